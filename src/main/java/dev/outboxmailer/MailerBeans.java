package dev.outboxmailer;

import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.config.MailerSettings;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.deliver.PooledMailSender;
import dev.outboxmailer.deliver.RateLimit;
import dev.outboxmailer.deliver.Security;
import dev.outboxmailer.deliver.SmtpSettings;
import dev.outboxmailer.intake.DirectDrafts;
import dev.outboxmailer.intake.OutboxFolder;
import dev.outboxmailer.intake.WatchedFolders;
import dev.outboxmailer.observe.Backlog;
import dev.outboxmailer.observe.BrokerHealthCheck;
import dev.outboxmailer.observe.FolderHealthCheck;
import dev.outboxmailer.observe.MailerMetrics;
import dev.outboxmailer.observe.Progress;
import dev.outboxmailer.outcome.CallerOutcomes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.apache.camel.StartupListener;
import dev.outboxmailer.config.Values;
import dev.outboxmailer.intake.OutboxLock;
import dev.outboxmailer.intake.QueueBroker;
import dev.outboxmailer.intake.QueueGate;
import dev.outboxmailer.intake.QueueMessages;
import dev.outboxmailer.intake.ClaimedDrafts;
import dev.outboxmailer.outcome.Filing;
import dev.outboxmailer.outcome.Outcomes;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.outcome.QueueOutcomes;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.StateTrouble;
import dev.outboxmailer.outcome.SmtpHealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import dev.outboxmailer.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the beans the YAML routes refer to, from the configuration: {@code outboxFolder} (intake),
 * {@code composer} (compose), {@code smtpSender} (deliver), {@code outcomes} (outcome). With no
 * {@code smtp.host} it starts the {@link Sandbox} and delivers there. With the queue on ({@code queue.url}
 * or {@code queue.embedded=true}) also {@code jms}, {@code queueMessages}, {@code queueOutcomes} and
 * {@code queueGate} for {@code routes/queue.yaml}, whose route exists only when {@code queue.enabled}
 * (computed here) is true. For operating it (SPEC §8): {@code metrics} (the meters of {@link MailerMetrics}, served
 * by Camel's micrometer-prometheus on {@code /observe/metrics}), the health checks {@code smtp}, {@code outbox}
 * and {@code broker} (on {@code /observe/health}), the PROGRESS line, {@code watchedFolders} for the route
 * template of {@code routes/folders.yaml}, {@code directDrafts} and {@code callerOutcomes} for
 * {@code direct:outbox-mailer} ({@code routes/entry.yaml}), and the reloading of {@code routes/}.
 */
public class MailerBeans implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(MailerBeans.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        MailerSettings settings = MailerSettings.read(properties::resolveProperty);
        // SPEC §10: with smtp.auth=xoauth2, the login's tokens (its settings checked before anything starts)
        var tokens = dev.outboxmailer.deliver.oauth.OAuth2Tokens.configured(properties::resolveProperty, settings.sandbox());
        Optional<QueueSettings> queue = QueueSettings.read(properties::resolveProperty);
        properties.addOverrideProperty("queue.enabled", String.valueOf(queue.isPresent()));
        requireFreeManagementPort(properties);
        Files.createDirectories(settings.outboxDir());
        context.addService(closing(OutboxLock.acquire(settings.outboxDir())));

        SmtpSettings smtp = settings.smtp();
        if (settings.sandbox()) {
            Sandbox sandbox = Sandbox.start(Path.of(properties.resolveProperty("sandbox.dir").orElse("sandbox")));
            context.addService(closing(sandbox));
            smtp = new SmtpSettings(sandbox.host(), sandbox.port(), Security.PLAIN, null, null, null,
                    settings.connections(), Duration.ofSeconds(10), Duration.ofSeconds(30));
        } else if (smtp.security() == Security.PLAIN) {
            LOG.warn("smtp.security=plain: mail and the password cross the network unencrypted to {}", smtp.describe());
        }
        RateLimit rate = settings.rateLimit() == null ? RateLimit.unlimited() : settings.rateLimit();
        if (settings.rateLimit() != null) {
            LOG.info("Rate limit: at most {} message(s)", rate);
        }
        // derived for the throttle in routes/outbox.yaml
        properties.addOverrideProperty("rate-limit.messages", String.valueOf(rate.messages()));
        properties.addOverrideProperty("rate-limit.period-ms", String.valueOf(rate.period().toMillis()));
        PooledMailSender sender = new PooledMailSender(smtp, tokens);
        sender.prepareInBackground();
        context.addService(closing(sender));
        LOG.info("Watching {} and delivering through {}", settings.outboxDir(), smtp);

        Clock clock = Clock.systemDefaultZone();
        // the state the stages share: claims, retry schedules, filing trouble; each outbox is recovered as it opens
        StateTrouble trouble = new StateTrouble();
        Filing filing = new Filing(trouble);
        Outboxes outboxes = new Outboxes(settings.retry(), clock, trouble, filing);
        Outboxes.Outbox main = outboxes.open(settings.outboxDir()); // before any draft is picked up
        DeliveryPause pause = new DeliveryPause(clock, settings.operatorRecheck());
        Duration recheck = Values.duration("health.recheck", properties.resolveProperty("health.recheck").orElse("30s"));
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        health.register(new SmtpHealthCheck(pause, smtp.describe(), sender::verify, recheck, clock));
        FolderHealthCheck folderHealth = new FolderHealthCheck(trouble);
        folderHealth.watch(settings.outboxDir());
        health.register(folderHealth);

        // the meters (SPEC §8), handed to the registry that Camel's micrometer-prometheus serves on
        // /observe/metrics once it exists (it makes its own as it starts)
        var registry = context.getRegistry();
        CompositeMeterRegistry meters = new CompositeMeterRegistry();
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                MeterRegistry camel = started.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
                if (camel != null) {
                    meters.add(camel);
                }
            }
        });
        Backlog backlog = new Backlog(clock);
        backlog.watch(settings.outboxDir());
        MailerMetrics metrics = new MailerMetrics(meters, backlog);
        registry.bind("metrics", metrics);
        Duration progressEvery = Values.duration("progress.interval", properties.resolveProperty("progress.interval").orElse("5s"));
        context.addService(closing(new Progress(metrics::done, backlog::snapshot, progressEvery)));

        WatchedFolders watched = new WatchedFolders(outboxes, pause, settings.outboxDir(), dir -> {
            backlog.watch(dir);
            folderHealth.watch(dir);
        }, lock -> {
            try {
                context.addService(closing(lock));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        registry.bind("smtpSender", sender);
        registry.bind("composer", new Composer(settings.compose()));
        registry.bind("dkim", dev.outboxmailer.sign.Dkim.create(properties)); // SPEC §12
        registry.bind("outboxFolder", new OutboxFolder(main, outboxes, pause));
        registry.bind("claimedDrafts", new ClaimedDrafts(outboxes, pause, 1000));
        registry.bind("resends", new dev.outboxmailer.deliver.Resends());
        registry.bind("watchedFolders", watched);
        registry.bind("outcomes", new Outcomes(outboxes, filing, pause, clock, metrics));
        registry.bind("directDrafts", new DirectDrafts(pause));
        registry.bind("callerOutcomes", new CallerOutcomes(pause, clock, metrics));
        if (queue.isPresent()) {
            queue(context, queue.get(), settings, pause, clock, metrics, recheck);
        }
        Optional<String> reload = properties.resolveProperty("routes.reload-dir");
        if (reload.isPresent()) {
            context.addService(new RoutesReload(reload.get()));
        }
    }

    /** The queue intake's beans; the embedded broker is started here, before any route. */
    private static void queue(CamelContext context, QueueSettings queue, MailerSettings settings,
                              DeliveryPause pause, Clock clock, MailerMetrics metrics, Duration recheck) throws Exception {
        if (queue.embedded()) {
            queue = dev.outboxmailer.intake.BrokerLogin.of(queue); // given, or generated and kept in queue.data-dir
            context.addService(closing(QueueBroker.start(queue)));
        }
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(queue.url(), queue.username(), queue.password());
        if (!queue.url().contains("consumerWindowSize")) {
            factory.setConsumerWindowSize(0); // no prefetch: each instance takes a message only when it can send it
        }
        context.addService(closing(factory));
        JmsComponent jms = new JmsComponent();
        jms.setConnectionFactory(factory);
        var registry = context.getRegistry();
        registry.bind("jms", jms);
        registry.bind("queueMessages", new QueueMessages(pause, settings.compose().maxSizeBytes()));
        registry.bind("queueOutcomes", new QueueOutcomes(queue, settings.retry(), pause, clock, metrics));
        HealthCheckRegistry.get(context).register(new BrokerHealthCheck(factory, queue.describe(), recheck, clock));
        registry.bind("queueGate", new QueueGate(pause));
        LOG.info("Taking drafts from {} as instance {}", queue, queue.instanceId());
    }

    /**
     * Camel only logs a warning when the management port is taken, and then serves no health and no metrics:
     * a start without them is a configuration error instead.
     */
    private static void requireFreeManagementPort(PropertiesComponent properties) {
        if (!"true".equalsIgnoreCase(properties.resolveProperty("camel.management.enabled").orElse("false"))) {
            return;
        }
        int port = Integer.parseInt(properties.resolveProperty("camel.management.port").orElse("8080").trim());
        String host = properties.resolveProperty("camel.management.host").orElse("127.0.0.1").trim();
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new dev.outboxmailer.config.ConfigException("camel.management.port", port + " on " + host
                    + " is already in use, so health and metrics could not be served there: choose another port "
                    + "(0 takes any free one)");
        }
    }

    /** Stops a resource together with the CamelContext. */
    private static ServiceSupport closing(AutoCloseable resource) {
        return new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                resource.close();
            }
        };
    }

}
