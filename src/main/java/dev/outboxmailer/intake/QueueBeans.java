package dev.outboxmailer.intake;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.observe.BrokerHealthCheck;
import dev.outboxmailer.state.DeliveryPause;
import java.time.Clock;
import java.time.Duration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.component.jms.JmsComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue intake's beans (SPEC §5) for {@code routes/queue.yaml}: {@code jms}, {@code queueMessages},
 * {@code queueGate}, and the health check {@code broker}. The embedded broker, when it is on, starts here,
 * before any route, with its login (given, or generated and kept in {@code queue.data-dir}).
 */
public final class QueueBeans {
    private static final Logger LOG = LoggerFactory.getLogger(QueueBeans.class);

    private QueueBeans() {}

    /** Returns the settings the mailer's own client uses (with the embedded broker's login). */
    public static QueueSettings wire(Wiring wiring, QueueSettings queue, long maxSizeBytes, DeliveryPause pause,
                                     Clock clock, Duration recheck) throws Exception {
        if (queue.embedded()) {
            queue = BrokerLogin.of(queue);
            wiring.closeAtStop(QueueBroker.start(queue));
        }
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(queue.url(), queue.username(), queue.password());
        if (!queue.url().contains("consumerWindowSize")) {
            factory.setConsumerWindowSize(0); // no prefetch: each instance takes a message only when it can send it
        }
        wiring.closeAtStop(factory);
        JmsComponent jms = new JmsComponent();
        jms.setConnectionFactory(factory);
        wiring.bind("jms", jms);
        wiring.bind("queueMessages", new QueueMessages(pause, maxSizeBytes));
        wiring.bind("queueGate", new QueueGate(pause));
        wiring.health().register(new BrokerHealthCheck(factory, queue.describe(), recheck, clock));
        LOG.info("Taking drafts from {} as instance {}", queue, queue.instanceId());
        return queue;
    }
}
