package dev.outboxmailer.bounce;

import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.message.QueuedDraft;
import jakarta.mail.internet.InternetAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Message-ID → the draft sent under it: {@code outbox/.state/sent-index/<xx>.tsv}, one line per message the
 * server accepted (the Message-ID, the day, the outbox, the draft's name, its envelope recipients; for a queue
 * draft no outbox and its correlation id last), appended by the route {@code claimed-draft} right after the
 * outcome and by {@code outbox-queue} right after sending. The file is chosen by a hash of the Message-ID, so a
 * bounce reads one of 256 small files, never every receipt.
 */
public final class SentIndex implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(SentIndex.class);

    /**
     * A message the server accepted.
     *
     * @param outbox        the outbox the draft was dropped into, or null for a queue draft
     * @param correlationId for a queue draft: its sender's JMSCorrelationID (or the id of its message); else null
     */
    public record Sent(String messageId, LocalDate day, Path outbox, String name, Set<String> recipients,
                       String correlationId) {
        boolean sentTo(String address) {
            return address != null && recipients.contains(normal(address));
        }
    }

    private final Path dir;
    private final Clock clock;
    private final boolean enabled;

    /** With {@code enabled} false (no {@code bounces.url}) nothing is recorded. */
    public SentIndex(Path outbox, Clock clock, boolean enabled) {
        this.dir = outbox.resolve(".state").resolve("sent-index");
        this.clock = clock;
        this.enabled = enabled;
    }

    /** After the outcome of a claimed draft: records the message it went out as (bean method for the route). */
    public void record(Exchange exchange) {
        DraftSource source = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        QueuedDraft queued = exchange.getProperty(QueuedDraft.PROPERTY, QueuedDraft.class);
        if (!enabled || source == null || (source.outbox() == null && queued == null)
                || !(exchange.getMessage().getBody() instanceof OutgoingMessage message)) {
            return;
        }
        String correlation = source.outbox() != null ? null
                : queued.correlationId() != null ? queued.correlationId() : queued.id();
        try {
            String id = message.getMessageID();
            if (id == null || message.report() == null || message.report().accepted().isEmpty()) {
                return;
            }
            List<String> to = new ArrayList<>();
            for (InternetAddress a : message.envelopeRecipients()) {
                to.add(normal(a.getAddress()));
            }
            record(new Sent(id.strip(), LocalDate.now(clock),
                    source.outbox() == null ? null : source.outbox().toAbsolutePath(), source.name(),
                    new LinkedHashSet<>(to), correlation));
            if (message.envelopeId() != null) {
                recordToken(message.envelopeId(), id.strip());
            }
        } catch (Exception e) {
            // the draft is sent and filed whatever happens here; its bounces will not be matched by Message-ID
            LOG.warn("Cannot record the Message-ID of {} for matching its bounces: {}", source.printableName(), e.toString());
        }
    }

    synchronized void record(Sent sent) throws IOException {
        Files.createDirectories(dir);
        String line = String.join("\t", enc(sent.messageId()), sent.day().toString(),
                sent.outbox() == null ? "" : enc(sent.outbox().toString()), enc(sent.name()),
                enc(String.join(",", sent.recipients())))
                + (sent.correlationId() == null ? "" : "\t" + enc(sent.correlationId())) + "\n";
        Files.writeString(shard(sent.messageId()), line, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** Token → Message-ID: {@code t<xx>.tsv}, for a bounce matched by its ENVID or VERP address. */
    synchronized void recordToken(String token, String messageId) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(tokenShard(token), enc(token) + "\t" + enc(messageId) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** The message that went out with this envelope token (its ENVID and VERP token), if any. */
    public Optional<Sent> findByToken(String token) {
        if (token == null || !EnvelopeSender.TOKEN.matcher(token).matches()) {
            return Optional.empty();
        }
        String messageId = null;
        synchronized (this) {
            Path file = tokenShard(token);
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line = in.readLine(); line != null && messageId == null; line = in.readLine()) {
                    String[] f = line.split("\t", -1);
                    if (f.length == 2 && dec(f[0]).equals(token)) {
                        messageId = dec(f[1]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("Cannot read the sent index {}: {}", file, e.toString());
            }
        }
        return messageId == null ? Optional.empty() : find(messageId);
    }

    private Path tokenShard(String token) {
        return dir.resolve("t" + token.substring(0, 2) + ".tsv");
    }

    /** The message sent under that Message-ID (its recipients over all attempts), if any. */
    public synchronized Optional<Sent> find(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            return Optional.empty();
        }
        String id = messageId.strip();
        Path file = shard(id);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Sent found = null;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] f = line.split("\t", -1);
                if ((f.length != 5 && f.length != 6) || !dec(f[0]).equals(id)) {
                    continue;
                }
                Set<String> to = new LinkedHashSet<>(found == null ? List.of() : found.recipients());
                String rcpts = dec(f[4]);
                if (!rcpts.isEmpty()) {
                    to.addAll(Arrays.asList(rcpts.split(",")));
                }
                found = new Sent(id, found == null ? LocalDate.parse(f[1]) : found.day(),
                        f[2].isEmpty() ? null : Path.of(dec(f[2])), dec(f[3]), to, f.length == 6 ? dec(f[5]) : null);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot read the sent index {}: {}", file, e.toString());
        }
        return Optional.ofNullable(found);
    }

    private Path shard(String messageId) {
        int h = messageId.strip().hashCode() & 0xff;
        return dir.resolve(String.format(Locale.ROOT, "%02x.tsv", h));
    }

    static String normal(String address) {
        return address.strip().toLowerCase(Locale.ROOT);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The route step (claimed-draft, queue): {@link #record}. */
    @Override
    public void process(Exchange exchange) {
        record(exchange);
    }
}
