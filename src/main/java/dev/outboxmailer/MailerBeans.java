package dev.outboxmailer;

import dev.outboxmailer.bounce.BounceBeans;
import dev.outboxmailer.cluster.ClusterRole;
import dev.outboxmailer.cluster.Standby;
import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.config.MailerSettings;
import dev.outboxmailer.console.ConsoleBeans;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.deliver.DeliveryBeans;
import dev.outboxmailer.deliver.PooledMailSender;
import dev.outboxmailer.deliver.oauth.OAuth2Tokens;
import dev.outboxmailer.deliver.oauth.TokenSource;
import dev.outboxmailer.intake.IntakeBeans;
import dev.outboxmailer.intake.OutboxLock;
import dev.outboxmailer.intake.QueueBeans;
import dev.outboxmailer.intake.WatchedFolders;
import dev.outboxmailer.merge.MergeBeans;
import dev.outboxmailer.merge.MergeRuns;
import dev.outboxmailer.observe.ManagementPort;
import dev.outboxmailer.observe.ObserveBeans;
import dev.outboxmailer.outcome.Filing;
import dev.outboxmailer.outcome.OutcomeBeans;
import dev.outboxmailer.sign.Dkim;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.StateTrouble;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Optional;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the beans the YAML routes refer to, from the configuration, stage by stage in the order drafts flow —
 * each stage's factory sits beside its package:
 * <ul>
 *   <li>the state the stages share ({@code state/}): every outbox's claims and retry records, the pause for
 *       operator problems, and what keeps outcomes from being recorded; each outbox is recovered as it opens;</li>
 *   <li>{@link IntakeBeans} ({@code outboxFolder}, {@code watchedFolders}, {@code claimedDrafts},
 *       {@code directDrafts}) and {@link QueueBeans} when the queue is on ({@code queue.url} or
 *       {@code queue.embedded=true}; {@code queue.enabled}, computed here, switches its route on);</li>
 *   <li>{@code composer} and {@code dkim} (compose, sign);</li>
 *   <li>{@link DeliveryBeans} ({@code smtpSender} — the sandbox's without {@code smtp.host} — and {@code resends});</li>
 *   <li>{@link OutcomeBeans} ({@code outcomes}, {@code callerOutcomes}, {@code queueOutcomes});</li>
 *   <li>{@link ObserveBeans} (health checks, {@code metrics}, the PROGRESS line), and the reloading of {@code routes/}.</li>
 * </ul>
 */
public class MailerBeans implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(MailerBeans.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        Wiring wiring = new Wiring(context);
        MailerSettings settings = MailerSettings.read(wiring::property);
        // SPEC §10: with smtp.auth=xoauth2, the login's tokens (its settings checked before anything starts)
        TokenSource tokens = OAuth2Tokens.configured(wiring::property, settings.sandbox());
        Optional<QueueSettings> queue = QueueSettings.read(wiring::property);
        wiring.derive("queue.enabled", String.valueOf(queue.isPresent()));
        ManagementPort.requireFree(wiring::property);
        Files.createDirectories(settings.outboxDir());
        Clock clock = Clock.systemDefaultZone();

        // the state the stages share; the main outbox is recovered now, before any draft is picked up
        StateTrouble trouble = new StateTrouble();
        Filing filing = new Filing(trouble);
        Outboxes outboxes = new Outboxes(settings.retry(), clock, trouble, filing);
        // issue 17: with cluster.mode a standby waits for the lock; the leader recovers, then picks up
        Optional<ClusterRole> cluster = Standby.wire(wiring, settings.outboxDir(), () -> {
            outboxes.open(settings.outboxDir());
            context.getRegistry().lookupByNameAndType("watchedFolders", WatchedFolders.class).openAll();
            context.getRegistry().lookupByNameAndType("mergeRuns", MergeRuns.class).lead(settings.outboxDir());
        });
        Outboxes.Outbox main = null;
        if (cluster.isEmpty()) {
            wiring.closeAtStop(OutboxLock.acquire(settings.outboxDir()));
            main = outboxes.open(settings.outboxDir());
        }
        DeliveryPause pause = new DeliveryPause(clock, settings.operatorRecheck());

        PooledMailSender sender = DeliveryBeans.wire(wiring, settings, tokens);
        ObserveBeans.Observed observed = ObserveBeans.wire(wiring, clock, settings.outboxDir(), pause, trouble,
                sender.settings().describe(), sender::verify);
        if (main != null) {
            IntakeBeans.wire(wiring, outboxes, main, pause, observed::watch);
        } else {
            IntakeBeans.wireStandby(wiring, outboxes, settings.outboxDir(), pause, observed::watch, cluster.get()::leading);
        }
        if (queue.isPresent()) {
            QueueBeans.wire(wiring, queue.get(), settings.compose().maxSizeBytes(), pause, clock, observed.recheck());
        }
        wiring.bind("composer", new Composer(settings.compose()));
        wiring.bind("dkim", Dkim.create(context.getPropertiesComponent())); // SPEC §12
        OutcomeBeans.wire(wiring, outboxes, filing, pause, clock, observed.metrics(), settings.retry(), queue);
        BounceBeans.wire(wiring, settings.outboxDir(), observed.metrics(), clock, observed.recheck()); // SPEC §11
        MergeRuns merges = MergeBeans.wire(wiring, settings, outboxes, pause, observed.metrics(), clock, queue); // SPEC §13
        if (cluster.isEmpty()) {
            merges.lead(settings.outboxDir());
        }
        ConsoleBeans.wire(wiring, settings.outboxDir(), outboxes, // SPEC §14
                () -> cluster.filter(role -> !role.leading()).map(ClusterRole::describe).orElse(null),
                pause, clock, settings.sandbox());
        LOG.info("Watching {} and delivering through {}", settings.outboxDir(), sender.settings());

        Optional<String> reload = wiring.property("routes.reload-dir");
        if (reload.isPresent()) {
            context.addService(new RoutesReload(reload.get()));
        }
    }
}
