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
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.component.mail.MailMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route {@code bounces}: each message of the bounce mailbox, read once. A bounce is matched to the draft it
 * returns by the Message-ID in its returned headers (or quoted in a non-standard one), and counts only for
 * recipients that draft was sent to; then {@code <name>.bounce.json} beside the receipt, one {@code BOUNCED} line,
 * {@code outbox_mailer_bounces_total{kind}}, and for a hard bounce the suppression list. Anything else —
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

    Bounces(SentIndex index, SeenReports seen, Suppression suppression, MailerMetrics metrics, Clock clock,
            Optional<String> unmatchedFolder, long maxSize, BounceHealthCheck health) {
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
        String key = key(message);
        if (seen.seen(key)) {
            return; // read before (POP3 keeps no flags; or a restart)
        }
        String about = describe(message);
        int size = size(message);
        BounceReport report = size > maxSize ? BounceReport.other() : BounceReader.read(message);
        int matched = report.kind() == Kind.BOUNCE ? match(report) : 0;
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

    /** Writes the findings of a report for the recipients of the draft it returns; returns how many. */
    private int match(BounceReport report) throws IOException {
        for (String id : report.messageIds()) {
            Optional<SentIndex.Sent> sent = index.find(id);
            if (sent.isEmpty()) {
                continue;
            }
            Path receipt = BounceFiles.receipt(sent.get());
            int n = 0;
            for (Finding f : report.findings()) {
                if (!sent.get().sentTo(f.recipient())) {
                    continue; // the draft was not sent to that address: weak evidence, nothing recorded
                }
                n++;
                Finding finding = new Finding(SentIndex.normal(f.recipient()), f.action(), f.status(), f.diagnostic(),
                        f.reportingMta());
                boolean added = receipt == null || BounceFiles.add(receipt, sent.get().messageId(), finding,
                        OffsetDateTime.now(clock));
                if (!added) {
                    continue;
                }
                metrics.bounced(finding.hard() ? "hard" : "soft");
                LOG.warn("BOUNCED {} {} {} {}{}", printable(sent.get().name()), sent.get().messageId(), finding.recipient(),
                        finding.status() == null ? "?" : finding.status(),
                        "delayed".equals(finding.action()) ? " (delayed, not final)" : "");
                if (finding.hard()) {
                    suppression.suppress(finding.recipient(), finding.status(), sent.get().name());
                }
            }
            if (n > 0) {
                return n;
            }
        }
        return 0;
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
