package dev.outboxmailer.outcome;

import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health check {@code outbox-mailer/smtp}: DOWN, with the reason, while sending is paused for an
 * operator problem (login refused, certificate not trusted, unknown host); UP otherwise.
 */
public final class SmtpHealthCheck extends AbstractHealthCheck {
    private final DeliveryPause pause;
    private final String server;

    public SmtpHealthCheck(DeliveryPause pause, String server) {
        super("outbox-mailer", "smtp");
        this.pause = pause;
        this.server = server;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("server", server);
        String problem = pause.problem();
        if (problem == null) {
            builder.up();
        } else {
            builder.message(problem).detail("reason", problem).down();
        }
    }

    @Override
    public boolean isLiveness() {
        return false; // the process is alive; it is not ready to deliver
    }
}
