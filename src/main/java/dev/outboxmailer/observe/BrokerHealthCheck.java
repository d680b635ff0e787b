package dev.outboxmailer.observe;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Camel health check {@code outbox-mailer/broker}, present when the queue is on: DOWN, with the reason,
 * when the broker does not take a connection (with the configured login). Checked at most once per
 * {@code recheck}.
 */
public final class BrokerHealthCheck extends ProbedHealthCheck {
    private final ConnectionFactory factory;
    private final String broker;

    public BrokerHealthCheck(ConnectionFactory factory, String broker, Duration recheck, Clock clock) {
        super("broker", recheck, clock);
        this.factory = factory;
        this.broker = broker;
    }

    @Override
    protected void describe(HealthCheckResultBuilder builder) {
        builder.detail("broker", broker);
    }

    @Override
    protected String probe() {
        try (Connection connection = factory.createConnection()) {
            connection.getMetaData();
            return null;
        } catch (Exception e) {
            return "the broker " + broker + " does not take a connection: " + String.valueOf(e.getMessage()).strip();
        }
    }
}
