package dev.outboxmailer.bounce;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.Values;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The bounce mailbox (SPEC §11): {@code bounces.url} ({@code imaps://host:993}, {@code pop3s://host:995}; plain
 * {@code imap}/{@code pop3} only with {@code bounces.security=plain}), {@code bounces.username},
 * {@code bounces.password} or {@code bounces.password-file}, {@code bounces.folder} (INBOX),
 * {@code bounces.poll-delay} (60s), {@code bounces.trust-store} (default {@code smtp.trust-store}),
 * {@code bounces.unmatched-folder} (IMAP, optional), {@code bounces.max-size} (10MB: larger messages are not read).
 */
record BounceSettings(String protocol, String host, int port, String username, String password, String folder,
                      Duration pollDelay, Path trustStore, Optional<String> unmatchedFolder, long maxSize) {

    static Optional<BounceSettings> read(Function<String, Optional<String>> lookup) {
        Optional<String> url = lookup.apply("bounces.url").map(String::strip).filter(s -> !s.isEmpty());
        if (url.isEmpty()) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(url.get());
        } catch (URISyntaxException e) {
            throw new ConfigException("bounces.url", "not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String security = lookup.apply("bounces.security").map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse("ssl");
        if (!scheme.matches("imaps|pop3s|imap|pop3")) {
            throw new ConfigException("bounces.url", "must start with imaps://, pop3s:// (or imap://, pop3:// with bounces.security=plain)");
        }
        boolean plain = !scheme.endsWith("s");
        if (plain && !security.equals("plain")) {
            throw new ConfigException("bounces.url", scheme + ":// is not encrypted: use " + scheme + "s://, or set bounces.security=plain to mean it");
        }
        if (uri.getHost() == null) {
            throw new ConfigException("bounces.url", "names no host");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : switch (scheme) {
            case "imaps" -> 993;
            case "pop3s" -> 995;
            case "imap" -> 143;
            default -> 110;
        };
        String username = lookup.apply("bounces.username").map(String::strip).filter(s -> !s.isEmpty())
                .orElseThrow(() -> new ConfigException("bounces.username", "bounces.url is set but no bounces.username"));
        String password = lookup.apply("bounces.password").orElse(null);
        Optional<String> passwordFile = lookup.apply("bounces.password-file").filter(s -> !s.isBlank());
        if (passwordFile.isPresent()) {
            try {
                password = Files.readString(Path.of(passwordFile.get().strip()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException("bounces.password-file", "cannot read " + Path.of(passwordFile.get()).toAbsolutePath());
            }
        }
        if (password == null || password.isEmpty()) {
            throw new ConfigException("bounces.password", "bounces.username is set but no password: set bounces.password or bounces.password-file");
        }
        Path trust = lookup.apply("bounces.trust-store").or(() -> lookup.apply("smtp.trust-store"))
                .filter(s -> !s.isBlank()).map(s -> Path.of(s.strip())).orElse(null);
        if (trust != null && !Files.isReadable(trust)) {
            throw new ConfigException("bounces.trust-store", "cannot read " + trust.toAbsolutePath());
        }
        String folder = lookup.apply("bounces.folder").map(String::strip).filter(s -> !s.isEmpty()).orElse("INBOX");
        Duration delay = Values.duration("bounces.poll-delay", lookup.apply("bounces.poll-delay").orElse("60s"));
        Optional<String> unmatched = lookup.apply("bounces.unmatched-folder").map(String::strip).filter(s -> !s.isEmpty());
        if (unmatched.isPresent() && scheme.startsWith("pop3")) {
            throw new ConfigException("bounces.unmatched-folder", "POP3 has no folders: leave it unset with " + scheme + "://");
        }
        long maxSize = Values.bytes("bounces.max-size", lookup.apply("bounces.max-size").orElse("10MB"));
        return Optional.of(new BounceSettings(scheme, uri.getHost(), port, username, password, folder, delay, trust,
                unmatched, maxSize));
    }

    boolean plain() {
        return !protocol.endsWith("s");
    }

    /** For logs and health: no password. */
    String describe() {
        return protocol + "://" + username + "@" + host + ":" + port + "/" + folder;
    }

    @Override
    public String toString() {
        return describe();
    }
}
