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

    private final OutcomeFolders folders;
    private final RetrySchedule schedule;
    private final DeliveryPause pause;
    private final Clock clock;

    public Outcomes(OutcomeFolders folders, RetrySchedule schedule, DeliveryPause pause, Clock clock) {
        this.folders = folders;
        this.schedule = schedule;
        this.pause = pause;
        this.clock = clock;
    }

    /** The server accepted the message (for all recipients, or for some: the others are in the receipt). */
    public void sent(Exchange exchange) throws IOException, MessagingException, InvalidPayloadException {
        DraftSource draft = draft(exchange);
        OutgoingMessage message = exchange.getMessage().getMandatoryBody(OutgoingMessage.class);
        DeliveryReport report = message.report();
        int attempts = schedule.attempts(draft.name()) + 1;
        OffsetDateTime now = OffsetDateTime.now(clock);
        Receipt receipt = new Receipt(draft.name(), message.getMessageID(), report.accepted(), report.rejected(),
                now, attempts);
        folders.sent(draft.file(), receipt, LocalDate.now(clock));
        schedule.forget(draft.name());
        pause.clear();
        LOG.info("SENT {} {} to {} recipient(s){}", draft.printableName(), message.getMessageID(),
                report.accepted().size(), report.rejected().isEmpty() ? "" : ", " + report.rejected().size() + " rejected");
    }

    /** Something went wrong on the way: decide the draft's fate from the failure. */
    public void failed(Exchange exchange) throws IOException {
        DraftSource draft = draft(exchange);
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (error instanceof DeliveryPausedException) {
            return; // picked up just as sending paused: it stays in the outbox, untouched
        }
        Failure failure = Failure.of(error);
        switch (failure.kind()) {
            case INVALID_DRAFT -> {
                pause.probeInconclusive();
                toFailed(draft, "invalid-draft", failure.reason(), null, schedule.attempts(draft.name()));
            }
            case REJECTED -> {
                pause.clear(); // the server took our login and answered
                toFailed(draft, "rejected", failure.reason(), failure.smtpCode(), schedule.attempts(draft.name()) + 1);
            }
            case TRANSIENT -> {
                pause.probeInconclusive();
                retryLater(draft, failure);
            }
            case OPERATOR -> pause.pause(failure.reason());
        }
    }

    private void retryLater(DraftSource draft, Failure failure) throws IOException {
        RetrySchedule.Next next = schedule.failedAttempt(draft.name());
        if (next instanceof RetrySchedule.RetryAt retry) {
            LOG.warn("RETRY {} attempt {} failed, next at {}: {}",
                    draft.printableName(), retry.attempts(), retry.when(), failure.reason());
        } else if (next instanceof RetrySchedule.GiveUp giveUp) {
            toFailed(draft, "expired", "gave up after " + giveUp.attempts() + " attempts over "
                    + human(giveUp.triedFor()) + "; last: " + failure.reason(), failure.smtpCode(), giveUp.attempts());
        }
    }

    private void toFailed(DraftSource draft, String kind, String reason, Integer code, int attempts) throws IOException {
        folders.failed(draft.file(), new ErrorReport(draft.name(), kind, reason, code, attempts, OffsetDateTime.now(clock)));
        schedule.forget(draft.name());
        LOG.warn("FAILED {} ({}): {}", draft.printableName(), kind, reason);
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
