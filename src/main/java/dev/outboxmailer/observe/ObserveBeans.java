package dev.outboxmailer.observe;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.outcome.SmtpHealthCheck;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.StateTrouble;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;

/**
 * Operating it (SPEC §8): the health checks {@code smtp} and {@code outbox} on {@code /observe/health}, the meters
 * of {@link MailerMetrics} (bean {@code metrics}, served by Camel's micrometer-prometheus on
 * {@code /observe/metrics}), and the PROGRESS line.
 */
public final class ObserveBeans {

    /** What the other stages use: the meters, and how to watch one more folder. */
    public record Observed(MailerMetrics metrics, Duration recheck, Backlog backlog, FolderHealthCheck folders) {
        /** A watched folder opened: its backlog counts, and the health check proves it. */
        public void watch(Path folder) {
            backlog.watch(folder);
            folders.watch(folder);
        }
    }

    private ObserveBeans() {}

    public static Observed wire(Wiring wiring, Clock clock, Path outbox, DeliveryPause pause, StateTrouble trouble,
                                String smtpServer, SmtpHealthCheck.Probe smtpProbe) throws Exception {
        Duration recheck = wiring.duration("health.recheck", "30s");
        wiring.health().register(new SmtpHealthCheck(pause, smtpServer, smtpProbe, recheck, clock));
        FolderHealthCheck folders = new FolderHealthCheck(trouble);
        wiring.health().register(folders);

        // the meters, handed to the registry that Camel's micrometer-prometheus serves on /observe/metrics once
        // it exists (it makes its own as it starts)
        CompositeMeterRegistry meters = new CompositeMeterRegistry();
        wiring.context().addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                MeterRegistry camel = started.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
                if (camel != null) {
                    meters.add(camel);
                }
            }
        });
        Backlog backlog = new Backlog(clock);
        MailerMetrics metrics = wiring.bind("metrics", new MailerMetrics(meters, backlog));
        wiring.closeAtStop(new Progress(metrics::done, backlog::snapshot, wiring.duration("progress.interval", "5s")));
        Observed observed = new Observed(metrics, recheck, backlog, folders);
        observed.watch(outbox);
        return observed;
    }
}
