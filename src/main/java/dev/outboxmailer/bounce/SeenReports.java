package dev.outboxmailer.bounce;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The messages of the bounce mailbox already read ({@code outbox/.state/bounces-seen}, one hash a line): over
 * POP3, which keeps no flags, this is what keeps a message from being read twice, also across a restart; over
 * IMAP the {@code \Seen} flag does, and this is the second guard.
 */
final class SeenReports {
    private final Path file;
    private final Set<String> seen = new HashSet<>();

    SeenReports(Path outbox) throws IOException {
        this.file = outbox.resolve(".state").resolve("bounces-seen");
        if (Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) {
                    seen.add(line.strip());
                }
            }
        }
    }

    synchronized boolean seen(String key) {
        return seen.contains(hash(key));
    }

    synchronized void add(String key) throws IOException {
        String h = hash(key);
        if (seen.add(h)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, h + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        }
    }

    private static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
