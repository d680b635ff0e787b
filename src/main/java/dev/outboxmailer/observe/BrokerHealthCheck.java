package dev.outboxmailer.observe;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health check {@code outbox-mailer/broker}, present when the queue is on: DOWN, with the reason,
 * when the broker does not take a connection (with the configured login). Checked at most once per
 * {@code recheck}.
 */
public final class BrokerHealthCheck extends AbstractHealthCheck {
    private final ConnectionFactory factory;
    private final String broker;
    private final Duration recheck;
    private final Clock clock;
    private Instant checkedAt = Instant.MIN;
    private String problem;

    public BrokerHealthCheck(ConnectionFactory factory, String broker, Duration recheck, Clock clock) {
        super("outbox-mailer", "broker");
        this.factory = factory;
        this.broker = broker;
        this.recheck = recheck;
        this.clock = clock;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("broker", broker);
        String now = check();
        if (now == null) {
            builder.up();
        } else {
            builder.message(now).detail("reason", now).down();
        }
    }

    private synchronized String check() {
        if (clock.instant().isBefore(checkedAt.plus(recheck))) {
            return problem;
        }
        try (Connection connection = factory.createConnection()) {
            connection.getMetaData();
            problem = null;
        } catch (Exception e) {
            problem = "the broker " + broker + " does not take a connection: " + String.valueOf(e.getMessage()).strip();
        }
        checkedAt = clock.instant();
        return problem;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }
}
