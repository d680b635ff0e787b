package dev.outboxmailer.bounce;

import dev.outboxmailer.bounce.BounceReport.Finding;
import dev.outboxmailer.bounce.BounceReport.Kind;
import dev.outboxmailer.observe.MailerMetrics;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mail.MailMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route {@code bounces}: each message of the bounce mailbox, read once. A bounce is matched to the draft it
 * returns by its ENVID ({@code Original-Envelope-Id}), the VERP token of the address it was sent to, or the
 * Message-ID in its returned headers (or quoted in a non-standard one), in that order, and counts only for
 * recipients that draft was sent to; then {@code <name>.bounce.json} beside the receipt, one {@code BOUNCED} line,
 * {@code outbox_mailer_bounces_total{kind}}, for a hard bounce the suppression list, and for a queue draft (with
 * {@code queue.receipts=true}) a message on {@code <queue.name>.bounces} correlated like its receipt. Anything else —
 * auto-replies, unrelated mail, a report naming a draft it does not match, anything too big or broken — is left
 * in the mailbox (moved to {@code bounces.unmatched-folder} when set) and never deleted.
 */
public final class Bounces {
    private static final Logger LOG = LoggerFactory.getLogger(Bounces.class);
    /** camel-mail's header: the folder the consumer moves the message to once processed. */
    private static final String MOVE_TO = "moveTo";

    private final SentIndex index;
    private final SeenReports seen;
    private final Suppression suppression;
    private final MailerMetrics metrics;
    private final Clock clock;
    private final Optional<String> unmatchedFolder;
    private final long maxSize;
    private final BounceHealthCheck health;
    /** {@code <queue.name>.bounces} with {@code queue.receipts=true}: where bounces of queue drafts go. */
    private final Optional<String> bounceQueue;
    private final String instanceId;
    private volatile ProducerTemplate producer;

    Bounces(SentIndex index, SeenReports seen, Suppression suppression, MailerMetrics metrics, Clock clock,
            Optional<String> unmatchedFolder, long maxSize, BounceHealthCheck health) {
        this(index, seen, suppression, metrics, clock, unmatchedFolder, maxSize, health, Optional.empty(), null);
    }

    Bounces(SentIndex index, SeenReports seen, Suppression suppression, MailerMetrics metrics, Clock clock,
            Optional<String> unmatchedFolder, long maxSize, BounceHealthCheck health, Optional<String> bounceQueue,
            String instanceId) {
        this.bounceQueue = bounceQueue;
        this.instanceId = instanceId;
        this.index = index;
        this.seen = seen;
        this.suppression = suppression;
        this.metrics = metrics;
        this.clock = clock;
        this.unmatchedFolder = unmatchedFolder;
        this.maxSize = maxSize;
        this.health = health;
    }

    public void received(Exchange exchange) throws IOException {
        if (!(exchange.getIn() instanceof MailMessage mail) || mail.getOriginalMessage() == null) {
            return;
        }
        Message message = mail.getOriginalMessage();
        if (producer == null && bounceQueue.isPresent()) {
            producer = exchange.getContext().createProducerTemplate();
        }
        String key = key(message);
        if (seen.seen(key)) {
            return; // read before (POP3 keeps no flags; or a restart)
        }
        String about = describe(message);
        int size = size(message);
        BounceReport report = size > maxSize ? BounceReport.other() : BounceReader.read(message);
        int matched = report.kind() == Kind.BOUNCE ? match(report, verpTokens(message)) : 0;
        if (matched == 0) {
            unmatchedFolder.ifPresent(folder -> exchange.getIn().setHeader(MOVE_TO, folder));
            String why = size > maxSize ? "larger than bounces.max-size"
                    : report.kind() == Kind.AUTO_REPLY ? "an auto-reply"
                    : report.kind() == Kind.BOUNCE ? "a bounce (" + report.form() + ") of no draft sent from here"
                    : "not a bounce";
            LOG.info("A message in the bounce mailbox is {}; left {}: {}", why,
                    unmatchedFolder.map(f -> "in " + f).orElse("in the mailbox"), about);
        }
        seen.add(key);
    }

    /**
     * Matches a report to the draft it returns, in the order ENVID → VERP token → Message-ID, and writes its
     * findings for the recipients of that draft; returns how many. ENVID and VERP are strong (a token nobody can
     * make without the secret): a report that names no address at all counts for the draft's only recipient; one
     * naming addresses counts only for those the draft was sent to. A Message-ID counts only for the recipients the report names that the draft was sent to.
     */
    private int match(BounceReport report, List<String> verp) throws IOException {
        List<String> strong = new ArrayList<>();
        if (report.envelopeId() != null) {
            strong.add(report.envelopeId().strip().toLowerCase(Locale.ROOT));
        }
        strong.addAll(verp);
        for (String token : strong) {
            Optional<SentIndex.Sent> sent = index.findByToken(token);
            if (sent.isPresent()) {
                int n = record(report, sent.get(), true);
                if (n > 0) {
                    return n;
                }
            }
        }
        for (String id : report.messageIds()) {
            Optional<SentIndex.Sent> sent = index.find(id);
            if (sent.isEmpty()) {
                continue;
            }
            int n = record(report, sent.get(), false);
            if (n > 0) {
                return n;
            }
        }
        return 0;
    }

    private int record(BounceReport report, SentIndex.Sent sent, boolean strong) throws IOException {
        List<Finding> findings = new ArrayList<>();
        for (Finding f : report.findings()) {
            if (sent.sentTo(f.recipient())) {
                findings.add(f);
            }
        }
        if (findings.isEmpty() && strong && sent.recipients().size() == 1) {
            // a report that names no address, matched by a token: it is about the draft's only recipient
            report.findings().stream().filter(f -> f.recipient() == null).findFirst().ifPresent(f -> findings.add(
                    new Finding(sent.recipients().iterator().next(), f.action(), f.status(), f.diagnostic(), f.reportingMta())));
        }
        return write(sent, findings);
    }

    /** Writes findings for recipients of the draft: the bounce file, the log line, the metric, suppression. */
    private int write(SentIndex.Sent sent, List<Finding> findings) throws IOException {
        Path receipt = BounceFiles.receipt(sent);
        for (Finding f : findings) {
            Finding finding = new Finding(SentIndex.normal(f.recipient()), f.action(), f.status(), f.diagnostic(),
                    f.reportingMta());
            boolean added = receipt == null || BounceFiles.add(receipt, sent.messageId(), finding, OffsetDateTime.now(clock));
            if (!added) {
                continue;
            }
            metrics.bounced(finding.hard() ? "hard" : "soft");
            LOG.warn("BOUNCED {} {} {} {}{}", printable(sent.name()), sent.messageId(), finding.recipient(),
                    finding.status() == null ? "?" : finding.status(),
                    "delayed".equals(finding.action()) ? " (delayed, not final)" : "");
            if (finding.hard()) {
                suppression.suppress(finding.recipient(), finding.status(), sent.name());
            }
            if (sent.outbox() == null && sent.correlationId() != null) {
                publish(sent, finding);
            }
        }
        return findings.size();
    }

    /** A bounce of a queue draft: on {@code <queue.name>.bounces}, correlated like its receipt. */
    private void publish(SentIndex.Sent sent, Finding f) {
        if (bounceQueue.isEmpty() || producer == null) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("draft", sent.name());
        body.put("messageId", sent.messageId());
        body.put("recipient", f.recipient());
        body.put("action", f.action());
        body.put("status", f.status());
        body.put("diagnostic", f.diagnostic());
        body.put("reportingMta", f.reportingMta());
        body.put("receivedAt", OffsetDateTime.now(clock).toString());
        body.put("hard", f.hard());
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("JMSCorrelationID", sent.correlationId());
        headers.put("outboxDraft", sent.name());
        if (instanceId != null) {
            headers.put("outboxInstance", instanceId);
        }
        try {
            producer.sendBodyAndHeaders("jms:queue:" + bounceQueue.get() + "?exchangePattern=InOnly",
                    QUEUE_JSON.writeValueAsString(body), headers);
        } catch (Exception e) {
            LOG.warn("The bounce of queue draft {} ({}) could not be published on {}: {}", printable(sent.name()),
                    f.recipient(), bounceQueue.get(), e.toString());
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper QUEUE_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Headers naming the address the bounce was sent to: a VERP token in one of them is ours only if indexed. */
    private static final List<String> DELIVERED_TO = List.of("Delivered-To", "X-Original-To", "Envelope-To",
            "X-Envelope-To", "To");

    private static List<String> verpTokens(Message message) {
        List<String> tokens = new ArrayList<>();
        for (String name : DELIVERED_TO) {
            try {
                String[] values = message.getHeader(name);
                if (values == null) {
                    continue;
                }
                for (int i = 0; i < values.length && i < 8 && tokens.size() < 8; i++) {
                    String v = values[i].length() > 2000 ? values[i].substring(0, 2000) : values[i];
                    EnvelopeSender.tokenIn(v).filter(t -> !tokens.contains(t)).ifPresent(tokens::add);
                }
            } catch (MessagingException | RuntimeException e) {
                // an unreadable header: no token from it
            }
        }
        return tokens;
    }

    private static String key(Message message) {
        try {
            String[] ids = message.getHeader("Message-ID");
            if (ids != null && ids.length > 0 && !ids[0].isBlank()) {
                return "id:" + ids[0].strip();
            }
            return "h:" + String.join("|", String.valueOf(message.getSentDate()), String.valueOf(first(message, "From")),
                    String.valueOf(message.getSubject()), String.valueOf(message.getSize()));
        } catch (MessagingException | RuntimeException e) {
            return "n:" + message.getMessageNumber();
        }
    }

    private static String first(Message message, String name) throws MessagingException {
        String[] v = message.getHeader(name);
        return v == null || v.length == 0 ? null : v[0];
    }

    private static int size(Message message) {
        try {
            return message.getSize();
        } catch (MessagingException | RuntimeException e) {
            return -1;
        }
    }

    private static String describe(Message message) {
        try {
            return "\"" + printable(String.valueOf(message.getSubject())) + "\" " + printable(String.valueOf(first(message, "Message-ID")));
        } catch (MessagingException | RuntimeException e) {
            return "(unreadable)";
        }
    }

    private static String printable(String s) {
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() > 200 ? p.substring(0, 200) + "…" : p;
    }
}
