package dev.outboxmailer.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A readiness check that proves a server by connecting to it (the broker, the bounce mailbox): DOWN with the
 * reason while the last probe failed, and probed at most once per {@code recheck} however often health is asked.
 */
public abstract class ProbedHealthCheck extends AbstractHealthCheck {
    private final Duration recheck;
    private final Clock clock;
    private Instant checkedAt = Instant.MIN;
    private String problem;

    protected ProbedHealthCheck(String id, Duration recheck, Clock clock) {
        super("outbox-mailer", id);
        this.recheck = recheck;
        this.clock = clock;
    }

    /** Connects once; returns why it failed, or null when the server took the connection. */
    protected abstract String probe();

    /** What the check is about, as details of its result (e.g. the server's address). */
    protected abstract void describe(HealthCheckResultBuilder builder);

    @Override
    protected final void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        describe(builder);
        String now = lastProblem();
        if (now == null) {
            builder.up();
        } else {
            builder.message(now).detail("reason", now).down();
        }
    }

    private synchronized String lastProblem() {
        if (clock.instant().isBefore(checkedAt.plus(recheck))) {
            return problem;
        }
        problem = probe();
        checkedAt = clock.instant();
        return problem;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }
}
