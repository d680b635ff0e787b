package dev.outboxmailer.bounce;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.camel.Processor;

/**
 * {@code outbox/.state/suppressed.csv}: {@code address,status,draft,since}, one hard-bounced address a line,
 * written only for a bounce matched to a draft that was sent to that address. Deleting the line releases it.
 */
public final class Suppression implements Processor {
    /** Exchange property: the recipients left out of this draft (a {@code List<String>}), for its receipt. */
    public static final String PROPERTY = "outboxMailerSuppressed";
    static final String HEADER = "address,status,draft,since";
    private FileTime readAt;
    private long readSize = -1;
    private Set<String> cached = Set.of();
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

    /**
     * Route {@code send-draft}, after compose: leaves the suppressed recipients out of the envelope (they are
     * listed in the receipt as {@code suppressed}); a draft with no one else fails as {@code suppressed}.
     */
    public void apply(Exchange exchange) throws IOException, AllSuppressedException {
        if (!(exchange.getMessage().getBody() instanceof OutgoingMessage message)) {
            return;
        }
        Set<String> listed = suppressed();
        if (listed.isEmpty()) {
            return;
        }
        List<InternetAddress> keep = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (InternetAddress a : message.envelopeRecipients()) {
            if (listed.contains(a.getAddress().strip().toLowerCase(Locale.ROOT))) {
                left.add(a.getAddress());
            } else {
                keep.add(a);
            }
        }
        if (left.isEmpty()) {
            return;
        }
        if (keep.isEmpty()) {
            throw new AllSuppressedException("every recipient is on the suppression list " + file + " (hard bounces): "
                    + String.join(", ", left) + "; delete a line to release the address");
        }
        message.setEnvelopeRecipients(keep);
        exchange.setProperty(PROPERTY, List.copyOf(left));
    }

    /**
     * Releases an address (the console's action, SPEC §14): its lines leave the file, which is rewritten
     * atomically. Returns false when it was not on the list.
     */
    public synchronized boolean release(String address) throws IOException {
        String a = address.strip().toLowerCase(Locale.ROOT);
        if (!suppressed().contains(a)) {
            return false;
        }
        StringBuilder kept = new StringBuilder();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            int comma = l.indexOf(',');
            String listed = (comma < 0 ? l : l.substring(0, comma)).replace("\"", "").strip().toLowerCase(Locale.ROOT);
            if (!listed.equals(a)) {
                kept.append(line).append('\n');
            }
        }
        dev.outboxmailer.state.StateFiles.writeAtomically(file, kept.toString().getBytes(StandardCharsets.UTF_8));
        return true;
    }

    /** The addresses on the list now (read again whenever the file changes: an operator may delete a line). */
    public synchronized Set<String> suppressed() throws IOException {
        Set<String> all = new HashSet<>();
        if (!Files.isRegularFile(file)) {
            cached = Set.of();
            return all;
        }
        FileTime modified = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        if (modified.equals(readAt) && size == readSize) {
            return cached;
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
        readAt = modified;
        readSize = size;
        cached = Set.copyOf(all);
        return cached;
    }

    private static String csv(String s) {
        if (s == null) {
            return "";
        }
        String v = s.replaceAll("\\p{Cntrl}", " ");
        return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /** The route step (send-draft): {@link #apply}. */
    @Override
    public void process(Exchange exchange) throws IOException, AllSuppressedException {
        apply(exchange);
    }
}
