package dev.outboxmailer.cluster;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health check {@code outbox-mailer/cluster} ({@code cluster.mode}): this instance's role — {@code leader}
 * or {@code standby}, both UP: a standby waiting is healthy — and DOWN while a leader that lost its lock steps
 * down. {@code /observe/health?exposureLevel=full&data=true} shows it with its details.
 */
public final class ClusterHealthCheck extends AbstractHealthCheck {
    private final ClusterRole leadership;

    public ClusterHealthCheck(ClusterRole leadership) {
        super("outbox-mailer", "cluster");
        this.leadership = leadership;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        ClusterRole.Role role = leadership.role();
        String name = role.name().toLowerCase(Locale.ROOT).replace('_', '-');
        builder.detail("role", name);
        builder.detail("mode", leadership.mode());
        builder.detail("lock", leadership.lock());
        builder.detail("member", leadership.member());
        builder.detail("since", Instant.ofEpochMilli(leadership.since()).toString());
        switch (role) {
            case LEADER -> builder.message("leader: this instance sends (it holds " + leadership.lock() + ")").up();
            case STANDBY -> builder.message("standby: waiting for " + leadership.lock()
                    + "; it takes over when the active instance stops or dies").up();
            default -> builder.message("stepping down: it lost " + leadership.lock()).down();
        }
    }
}
