package dev.outboxmailer.deliver;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how mail is handed over. Built from the {@code smtp.*} configuration keys, or by the sandbox.
 * The password is never part of {@link #toString()}.
 */
public record SmtpSettings(
        String host,
        int port,
        Security security,
        String username,
        String password,
        Path trustStore,
        int connections,
        Duration connectTimeout,
        Duration readTimeout,
        boolean pipelining) {

    /** With {@code smtp.pipelining} on, its default. */
    public SmtpSettings(String host, int port, Security security, String username, String password, Path trustStore,
                        int connections, Duration connectTimeout, Duration readTimeout) {
        this(host, port, security, username, password, trustStore, connections, connectTimeout, readTimeout, true);
    }

    public boolean authenticates() {
        return username != null && !username.isEmpty();
    }

    /** host:port (security), for log lines and the health check. */
    public String describe() {
        return host + ":" + port + " (" + security.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public String toString() {
        return "SmtpSettings[" + describe() + (authenticates() ? ", user " + username + ", password ****" : "")
                + ", connections " + connections + "]";
    }
}
