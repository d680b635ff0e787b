package dev.outboxmailer.merge;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.config.MailerSettings;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.config.Values;
import dev.outboxmailer.observe.MailerMetrics;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import java.time.Clock;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The mail merge's beans (SPEC §13): {@code mergeRuns}, which route {@code claimed-draft} hands merge drafts to,
 * and {@code mergeQueue}, which expands a merge arriving on the queue in route {@code outbox-queue}.
 * {@code merge.in-flight} (default 64) bounds the rows rendered but not yet done. The caller says when this
 * instance leads ({@link MergeRuns#lead}): the rows outbox of the main outbox is then opened (and recovered),
 * with the other state, before any draft is picked up.
 */
public final class MergeBeans {
    private MergeBeans() {}

    public static MergeRuns wire(Wiring wiring, MailerSettings settings, Outboxes outboxes, DeliveryPause pause,
                                 MailerMetrics metrics, Clock clock, Optional<QueueSettings> queue) throws Exception {
        int window = Values.positiveInt("merge.in-flight", wiring.property("merge.in-flight").orElse("64"));
        MergeRuns runs = new MergeRuns(outboxes, pause, metrics, new Composer(settings.compose()), clock,
                settings.compose().maxSizeBytes(), window, settings.inFlight(),
                wiring.duration("progress.interval", "5s"), settings.compose().defaultFrom());
        CamelContext context = wiring.context();
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // the routes are not all up yet: see onCamelContextFullyStarted
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                runs.contextUp(started);
            }
        });
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                runs.end();
            }
        });
        String domain = settings.compose().defaultFrom() == null ? "localhost"
                : MergeRuns.domainOf(settings.compose().defaultFrom().getAddress(), "localhost");
        wiring.bind("mergeQueue", new MergeQueue(queue.map(QueueSettings::name).orElse("outbox"),
                queue.map(QueueSettings::deadLetterQueue).orElse("outbox.DLQ"), metrics, settings.compose().maxSizeBytes(),
                domain));
        return wiring.bind("mergeRuns", runs);
    }
}
