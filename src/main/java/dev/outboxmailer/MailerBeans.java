package dev.outboxmailer;

import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.config.MailerSettings;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.deliver.PooledMailSender;
import dev.outboxmailer.deliver.RateLimit;
import dev.outboxmailer.deliver.Security;
import dev.outboxmailer.deliver.SmtpSettings;
import dev.outboxmailer.intake.OutboxFolder;
import dev.outboxmailer.intake.OutboxLock;
import dev.outboxmailer.intake.QueueBroker;
import dev.outboxmailer.intake.QueueGate;
import dev.outboxmailer.intake.QueueMessages;
import dev.outboxmailer.outcome.OutcomeFolders;
import dev.outboxmailer.outcome.Outcomes;
import dev.outboxmailer.outcome.DeliveryPause;
import dev.outboxmailer.outcome.QueueOutcomes;
import dev.outboxmailer.outcome.RetrySchedule;
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
 * (computed here) is true.
 */
public class MailerBeans implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(MailerBeans.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        MailerSettings settings = MailerSettings.read(properties::resolveProperty);
        Optional<QueueSettings> queue = QueueSettings.read(properties::resolveProperty);
        properties.addOverrideProperty("queue.enabled", String.valueOf(queue.isPresent()));
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
        PooledMailSender sender = new PooledMailSender(smtp);
        sender.prepareInBackground();
        context.addService(closing(sender));
        LOG.info("Watching {} and delivering through {}", settings.outboxDir(), smtp);

        Clock clock = Clock.systemDefaultZone();
        Path state = settings.outboxDir().resolve(".state");
        OutcomeFolders folders = new OutcomeFolders(settings.outboxDir());
        folders.recover(); // finish what a crash interrupted, before any draft is picked up
        RetrySchedule schedule = new RetrySchedule(settings.retry(), clock, state.resolve("retries.json"));
        schedule.keepOnly(name -> Files.exists(settings.outboxDir().resolve(name)));
        DeliveryPause pause = new DeliveryPause(clock, settings.operatorRecheck());
        HealthCheckRegistry.get(context).register(new SmtpHealthCheck(pause, smtp.describe()));

        var registry = context.getRegistry();
        registry.bind("smtpSender", sender);
        registry.bind("composer", new Composer(settings.compose()));
        registry.bind("outboxFolder", new OutboxFolder(settings.outboxDir(), schedule, pause));
        registry.bind("outcomes", new Outcomes(folders, schedule, pause, clock));
        if (queue.isPresent()) {
            queue(context, queue.get(), settings, pause, clock);
        }
    }

    /** The queue intake's beans; the embedded broker is started here, before any route. */
    private static void queue(CamelContext context, QueueSettings queue, MailerSettings settings,
                              DeliveryPause pause, Clock clock) throws Exception {
        if (queue.embedded()) {
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
        registry.bind("queueMessages", new QueueMessages(pause));
        registry.bind("queueOutcomes", new QueueOutcomes(queue, settings.retry(), pause, clock));
        registry.bind("queueGate", new QueueGate(pause));
        LOG.info("Taking drafts from {} as instance {}", queue, queue.instanceId());
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
