package dev.outboxmailer.config;

import dev.outboxmailer.compose.ComposeSettings;
import dev.outboxmailer.deliver.RateLimit;
import dev.outboxmailer.deliver.Security;
import dev.outboxmailer.deliver.SmtpSettings;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The whole configuration (SPEC §2), read once at start-up from Camel's properties (command line,
 * environment, {@code application.properties}, built-in defaults) and checked: a value that cannot work
 * is a {@link ConfigException} naming its key.
 *
 * @param smtp      null when no {@code smtp.host} is set: the sandbox takes the mail
 * @param rateLimit null when no {@code smtp.rate-limit} is set (and no {@code smtp.provider} preset gives one)
 * @param inFlight  {@code outbox.in-flight}: drafts of a folder handled at once (claimed, composed, waiting for one of
 *                  the {@code connections}, sent, filed); by default {@link #IN_FLIGHT_PER_CONNECTION} per connection
 */
public record MailerSettings(Path outboxDir, SmtpSettings smtp, ComposeSettings compose, RetryPolicy retry,
                             Duration operatorRecheck, int connections, RateLimit rateLimit, int inFlight) {
    /**
     * Drafts in flight per SMTP connection by default: while one is on the wire, the others are composed, wait
     * their turn (their opening commands ride behind the message before them, see PipeliningTransport) or
     * have their receipt filed, so no connection waits for the disk.
     */
    public static final int IN_FLIGHT_PER_CONNECTION = 4;

    /** Reads the settings; {@code lookup} answers a key's value, or empty where it is unset or blank. */
    public static MailerSettings read(Function<String, Optional<String>> lookup) {
        Reader r = new Reader(lookup);
        int connections = r.get("smtp.connections").map(v -> Values.positiveInt("smtp.connections", v)).orElse(4);
        Provider provider = r.get("smtp.provider").map(v -> Provider.of("smtp.provider", v)).orElse(null);
        Optional<String> host = r.get("smtp.host").or(() -> Optional.ofNullable(provider).map(Provider::host));
        SmtpSettings smtp = host.map(h -> smtp(r, h, provider, connections)).orElse(null);
        ComposeSettings compose = new ComposeSettings(
                r.get("mail.from").map(v -> address("mail.from", v)).orElse(null),
                r.get("mail.to").map(v -> addresses("mail.to", v)).orElse(List.of()),
                Values.bytes("mail.max-size", r.get("mail.max-size").orElse("25MB")));
        RetryPolicy retry = new RetryPolicy(
                Values.duration("retry.initial-delay", r.get("retry.initial-delay").orElse("5s")),
                Values.multiplier("retry.multiplier", r.get("retry.multiplier").orElse("2")),
                Values.duration("retry.max-delay", r.get("retry.max-delay").orElse("10m")),
                Values.duration("retry.give-up-after", r.get("retry.give-up-after").orElse("2d")));
        Duration recheck = Values.duration("retry.operator-recheck", r.get("retry.operator-recheck").orElse("30s"));
        // Camel reads a port that is not a number as 0 (any free port): say so instead
        r.get("camel.management.port").ifPresent(v -> {
            if (!v.equals("0")) {
                port("camel.management.port", v);
            }
        });
        Path outbox = Path.of(r.get("outbox.dir").orElse("outbox")).toAbsolutePath().normalize();
        RateLimit rateLimit = r.get("smtp.rate-limit")
                .or(() -> Optional.ofNullable(provider).map(Provider::rateLimit))
                .map(v -> RateLimit.parse("smtp.rate-limit", v)).orElse(null);
        int inFlight = r.get("outbox.in-flight").map(v -> Values.positiveInt("outbox.in-flight", v))
                .orElse(connections * IN_FLIGHT_PER_CONNECTION);
        return new MailerSettings(outbox, smtp, compose, retry, recheck, connections, rateLimit, inFlight);
    }

    public boolean sandbox() {
        return smtp == null;
    }

    /** The SMTP settings; a {@code provider} preset fills in what is not given explicitly. */
    private static SmtpSettings smtp(Reader r, String host, Provider provider, int connections) {
        Optional<Security> explicitSecurity = r.get("smtp.security").map(v -> Security.of("smtp.security", v));
        Security security = explicitSecurity.orElse(provider != null ? provider.security() : Security.SSL);
        // a preset's port goes with its security: an explicit smtp.security alone takes that security's port
        int defaultPort = provider != null && explicitSecurity.isEmpty() ? provider.port() : security.defaultPort();
        int port = r.get("smtp.port").map(v -> port("smtp.port", v)).orElse(defaultPort);
        String username = r.get("smtp.username").orElse(null);
        String password = r.get("smtp.password").orElse(null);
        Optional<String> passwordFile = r.get("smtp.password-file");
        if (passwordFile.isPresent()) {
            password = Values.secretFile("smtp.password-file", Path.of(passwordFile.get()));
        }
        boolean xoauth2 = dev.outboxmailer.deliver.oauth.OAuth2Settings.wanted(r::get); // SPEC §10: a token, no password
        if (username != null && password == null && !xoauth2) {
            throw new ConfigException("smtp.password", "smtp.username is set but no password: set smtp.password or smtp.password-file");
        }
        Path trustStore = r.get("smtp.trust-store").map(Path::of).orElse(null);
        if (trustStore != null && !Files.isReadable(trustStore)) {
            throw new ConfigException("smtp.trust-store", "cannot read " + trustStore.toAbsolutePath());
        }
        return new SmtpSettings(host.trim(), port, security, username, password, trustStore, connections,
                r.get("smtp.connect-timeout").map(v -> Values.duration("smtp.connect-timeout", v)).orElse(Duration.ofSeconds(30)),
                r.get("smtp.timeout").map(v -> Values.duration("smtp.timeout", v)).orElse(Duration.ofSeconds(60)),
                r.get("smtp.pipelining").map(v -> trueOrFalse("smtp.pipelining", v)).orElse(true));
    }

    private static boolean trueOrFalse(String key, String text) {
        String v = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new ConfigException(key, "'" + text + "' is neither true nor false");
        }
        return v.equals("true");
    }

    private static int port(String key, String text) {
        int port = Values.positiveInt(key, text);
        if (port > 65535) {
            throw new ConfigException(key, "'" + text + "' is not a TCP port (1-65535)");
        }
        return port;
    }

    private static InternetAddress address(String key, String text) {
        List<InternetAddress> list = addresses(key, text);
        if (list.size() != 1) {
            throw new ConfigException(key, "'" + text + "' must be exactly one address");
        }
        return list.get(0);
    }

    private static List<InternetAddress> addresses(String key, String text) {
        try {
            return Values.addressList(text);
        } catch (AddressException e) {
            throw new ConfigException(key, "'" + text + "' is not a valid address list");
        }
    }

    /** Property lookup that treats a blank value as unset. */
    private record Reader(Function<String, Optional<String>> lookup) {
        Optional<String> get(String key) {
            return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
        }
    }
}
