package dev.outboxmailer.outcome;

import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.deliver.Failure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health check {@code outbox-mailer/smtp}: DOWN, with the reason, while sending is paused for an
 * operator problem (login refused, certificate not trusted, unknown host), or when the server cannot be
 * reached or refuses our login; UP otherwise.
 *
 * <p>Reachability is proved by a draft the server accepted within the last {@code recheck}, or else by opening
 * one connection (with TLS and the login) and closing it, at most once per {@code recheck} however often
 * health is polled, and never while sending is paused: a wrong password is not tried again behind the
 * pause's back, so the provider does not lock the account.
 */
public final class SmtpHealthCheck extends AbstractHealthCheck {
    /** Opens one connection to the server and closes it; throws what went wrong. */
    @FunctionalInterface
    public interface Probe {
        void verify() throws Exception;
    }

    private final DeliveryPause pause;
    private final String server;
    private final Probe probe;
    private final Duration recheck;
    private final Clock clock;
    private Instant checkedAt = Instant.MIN;
    private String unreachable;

    /** Reports the pause only (no connection is opened). */
    public SmtpHealthCheck(DeliveryPause pause, String server) {
        this(pause, server, null, Duration.ZERO, Clock.systemUTC());
    }

    public SmtpHealthCheck(DeliveryPause pause, String server, Probe probe, Duration recheck, Clock clock) {
        super("outbox-mailer", "smtp");
        this.pause = pause;
        this.server = server;
        this.probe = probe;
        this.recheck = recheck;
        this.clock = clock;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("server", server);
        String problem = pause.problem();
        if (problem == null) {
            problem = reachability();
        }
        if (problem == null) {
            builder.up();
        } else {
            builder.message(problem).detail("reason", problem).down();
        }
    }

    /** Null when the server took a connection and our login lately; else why not. */
    private synchronized String reachability() {
        if (probe == null) {
            return null;
        }
        Instant now = clock.instant();
        Instant accepted = pause.lastAccepted();
        if (accepted.isAfter(checkedAt) && now.isBefore(accepted.plus(recheck))) {
            // a draft went out lately: that proves it without another login
            checkedAt = accepted;
            unreachable = null;
        }
        if (now.isBefore(checkedAt.plus(recheck))) {
            return unreachable;
        }
        try {
            probe.verify();
            unreachable = null;
        } catch (Exception e) {
            unreachable = server + ": " + Failure.of(e).reason();
        }
        checkedAt = clock.instant();
        return unreachable;
    }

    @Override
    public boolean isLiveness() {
        return false; // the process is alive; it is not ready to deliver
    }
}
