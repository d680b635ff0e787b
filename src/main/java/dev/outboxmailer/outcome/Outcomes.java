package dev.outboxmailer.outcome;

import dev.outboxmailer.deliver.Failure;
import dev.outboxmailer.message.DeliveryReport;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.function.Function;
import dev.outboxmailer.observe.MailerMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage: what became of a draft. Sent drafts get a receipt; drafts that can never be sent go to
 * {@code .failed/} with the reason; drafts that failed for a passing reason wait for their next attempt;
 * drafts blocked by an operator problem (login, certificate, host) wait, untouched, until it is fixed.
 * One log line per outcome: SENT, RETRY, FAILED, HELD.
 */
public final class Outcomes {
    private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

    /** Where a folder's drafts are filed, and its retry schedule. */
    public record Folder(OutcomeFolders filed, RetrySchedule schedule) {}

    private final Folder main;
    private final DeliveryPause pause;
    private final Clock clock;
    private final MailerMetrics metrics;
    private final Function<java.nio.file.Path, Folder> others;

    public Outcomes(OutcomeFolders folders, RetrySchedule schedule, DeliveryPause pause, Clock clock) {
        this(folders, schedule, pause, clock, MailerMetrics.unpublished(), file -> null);
    }

    /**
     * @param others the folder of a draft that is not in the main outbox (a templated watched folder), by the
     *               draft's file; null for a draft of the main outbox
     */
    public Outcomes(OutcomeFolders folders, RetrySchedule schedule, DeliveryPause pause, Clock clock,
                    MailerMetrics metrics, Function<java.nio.file.Path, Folder> others) {
        this.main = new Folder(folders, schedule);
        this.pause = pause;
        this.clock = clock;
        this.metrics = metrics;
        this.others = others;
    }

    /** The server accepted the message (for all recipients, or for some: the others are in the receipt). */
    public void sent(Exchange exchange) throws IOException, MessagingException, InvalidPayloadException {
        DraftSource draft = draft(exchange);
        Folder folder = folderOf(draft);
        OutgoingMessage message = exchange.getMessage().getMandatoryBody(OutgoingMessage.class);
        DeliveryReport report = message.report();
        int attempts = folder.schedule().attempts(draft.name()) + 1;
        OffsetDateTime now = OffsetDateTime.now(clock);
        Receipt receipt = new Receipt(draft.name(), message.getMessageID(), report.accepted(), report.rejected(),
                now, attempts);
        folder.filed().sent(draft.file(), receipt, LocalDate.now(clock));
        folder.schedule().forget(draft.name());
        pause.clear();
        metrics.sent(exchange);
        LOG.info("SENT {} {} to {} recipient(s){}", draft.printableName(), message.getMessageID(),
                report.accepted().size(), report.rejected().isEmpty() ? "" : ", " + report.rejected().size() + " rejected");
    }

    /** Something went wrong on the way: decide the draft's fate from the failure. */
    public void failed(Exchange exchange) throws IOException {
        DraftSource draft = draft(exchange);
        Folder folder = folderOf(draft);
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (error instanceof DeliveryPausedException) {
            return; // picked up just as sending paused: it stays in the outbox, untouched
        }
        Failure failure = Failure.of(error);
        String message = describe(exchange);
        switch (failure.kind()) {
            case INVALID_DRAFT -> {
                pause.probeInconclusive();
                toFailed(folder, draft, message, "invalid-draft", failure.reason(), null, folder.schedule().attempts(draft.name()));
            }
            case REJECTED -> {
                pause.clear(); // the server took our login and answered
                toFailed(folder, draft, message, "rejected", failure.reason(), failure.smtpCode(),
                        folder.schedule().attempts(draft.name()) + 1);
            }
            case TRANSIENT -> {
                pause.probeInconclusive();
                retryLater(folder, draft, message, failure);
            }
            case OPERATOR -> pause.pause(failure.reason());
        }
    }

    private void retryLater(Folder folder, DraftSource draft, String message, Failure failure) throws IOException {
        RetrySchedule.Next next = folder.schedule().failedAttempt(draft.name());
        if (next instanceof RetrySchedule.RetryAt retry) {
            metrics.retry();
            LOG.warn("RETRY {}{} attempt {} failed, next at {}: {}",
                    draft.printableName(), message, retry.attempts(), retry.when(), failure.reason());
        } else if (next instanceof RetrySchedule.GiveUp giveUp) {
            toFailed(folder, draft, message, "expired", "gave up after " + giveUp.attempts() + " attempts over "
                    + human(giveUp.triedFor()) + "; last: " + failure.reason(), failure.smtpCode(), giveUp.attempts());
        }
    }

    private void toFailed(Folder folder, DraftSource draft, String message, String kind, String reason, Integer code,
                          int attempts) throws IOException {
        folder.filed().failed(draft.file(), new ErrorReport(draft.name(), kind, reason, code, attempts, OffsetDateTime.now(clock)));
        folder.schedule().forget(draft.name());
        metrics.failed(kind);
        LOG.warn("FAILED {}{} ({}): {}", draft.printableName(), message, kind, reason);
    }

    private Folder folderOf(DraftSource draft) {
        Folder other = draft.file() == null ? null : others.apply(draft.file());
        return other != null ? other : main;
    }

    /**
     * " &lt;Message-ID&gt; to N recipient(s)" when the draft had become a message before it failed, else "":
     * for the RETRY and FAILED lines.
     */
    static String describe(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof OutgoingMessage message) {
            try {
                return " " + message.getMessageID() + " to " + message.envelopeRecipients().size() + " recipient(s)";
            } catch (MessagingException | RuntimeException e) {
                return "";
            }
        }
        return "";
    }

    private static DraftSource draft(Exchange exchange) {
        DraftSource draft = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        if (draft == null) {
            throw new IllegalStateException("no draft on the exchange: intake must set " + DraftSource.PROPERTY);
        }
        return draft;
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
