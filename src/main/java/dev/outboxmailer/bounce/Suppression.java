package dev.outboxmailer.bounce;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * {@code outbox/.state/suppressed.csv}: {@code address,status,draft,since}, one hard-bounced address a line,
 * written only for a bounce matched to a draft that was sent to that address. Deleting the line releases it.
 */
public final class Suppression {
    static final String HEADER = "address,status,draft,since";
    private final Path file;
    private final Clock clock;

    public Suppression(Path outbox, Clock clock) {
        this.file = outbox.resolve(".state").resolve("suppressed.csv");
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    synchronized void suppress(String address, String status, String draft) throws IOException {
        String a = address.strip().toLowerCase(Locale.ROOT);
        if (suppressed().contains(a)) {
            return;
        }
        Files.createDirectories(file.getParent());
        StringBuilder line = new StringBuilder();
        if (!Files.exists(file) || Files.size(file) == 0) {
            line.append(HEADER).append('\n');
        }
        line.append(csv(a)).append(',').append(csv(status)).append(',').append(csv(draft)).append(',')
                .append(OffsetDateTime.now(clock)).append('\n');
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    /** The addresses on the list now (read each time: an operator may delete a line). */
    public synchronized Set<String> suppressed() throws IOException {
        Set<String> all = new HashSet<>();
        if (!Files.isRegularFile(file)) {
            return all;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.equals(HEADER)) {
                continue;
            }
            int comma = l.indexOf(',');
            String address = (comma < 0 ? l : l.substring(0, comma)).replace("\"", "").strip().toLowerCase(Locale.ROOT);
            if (address.contains("@")) {
                all.add(address);
            }
        }
        return all;
    }

    private static String csv(String s) {
        if (s == null) {
            return "";
        }
        String v = s.replaceAll("\\p{Cntrl}", " ");
        return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
