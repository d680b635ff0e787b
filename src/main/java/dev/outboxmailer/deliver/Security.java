package dev.outboxmailer.deliver;

import dev.outboxmailer.config.ConfigException;
import java.util.Locale;

/** How the SMTP connection is protected ({@code smtp.security}). */
public enum Security {
    /** Implicit TLS from the first byte (SMTPS, port 465). */
    SSL(465),
    /** Plain connect, then STARTTLS, required: never falls back to plain text (port 587). */
    STARTTLS(587),
    /** No TLS at all (port 25). Only for a relay on a trusted network; a warning is logged. */
    PLAIN(25);

    private final int defaultPort;

    Security(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public static Security of(String key, String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, "'" + text + "' is not one of ssl, starttls, plain");
        }
    }
}
