package dev.outboxmailer.outcome;

import dev.outboxmailer.state.DeliveryPausedException;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.deliver.Failure;
import dev.outboxmailer.deliver.Refusals;
import dev.outboxmailer.message.DeliveryReport;
import dev.outboxmailer.message.DeliveryReport.Rejection;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.observe.MailerMetrics;
import dev.outboxmailer.state.Claim;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.RetrySchedule;
import dev.outboxmailer.state.Waiting;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage for a claimed draft: what became of it, recipient by recipient. Recipients the server
 * accepted are done for good; ones it refused for good ({@code 5xx}) are listed as rejected; ones it
 * deferred ({@code 4xx}) are tried again alone on the retry schedule, until they are accepted, refused, or
 * expire. Only then is the draft filed: {@code .sent/} with a receipt when anyone has it, else
 * {@code .failed/} with the reason. Drafts blocked by an operator problem (login, certificate, host, quota)
 * wait, charged nothing, until it is fixed. One log line per outcome: SENT, RETRY, FAILED, HELD.
 */
public final class Outcomes {
    private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

    private final Outboxes outboxes;
    private final Filing filing;
    private final DeliveryPause pause;
    private final Clock clock;
    private final MailerMetrics metrics;

    public Outcomes(Outboxes outboxes, Filing filing, DeliveryPause pause, Clock clock, MailerMetrics metrics) {
        this.outboxes = outboxes;
        this.filing = filing;
        this.pause = pause;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** One claimed draft on its way to its outcome. */
    private record Claimed(DraftSource source, Claim claim, Outboxes.Outbox outbox, OutcomeFolders folders,
                           Waiting before) {
        RetrySchedule schedule() {
            return outbox.schedule();
        }

        List<String> delivered() {
            return before == null ? List.of() : before.delivered();
        }

        List<Rejection> rejected() {
            return before == null ? List.of() : before.rejected();
        }

        /** Who the last attempt was for, when it was not all of the draft's recipients. */
        List<String> owed() {
            return before == null ? List.of() : before.deferred();
        }
    }

    /** The server accepted the message, for all its recipients or for some. */
    public void sent(Exchange exchange) throws IOException, MessagingException, InvalidPayloadException {
        Claimed draft = claimed(exchange);
        OutgoingMessage message = exchange.getMessage().getMandatoryBody(OutgoingMessage.class);
        DeliveryReport report = message.report();
        pause.clear();
        metrics.sent(exchange);
        List<String> delivered = concat(draft.delivered(), report.accepted());
        List<Rejection> rejected = concat(draft.rejected(), Refusals.permanent(report.rejected()));
        List<Rejection> deferred = Refusals.deferred(report.rejected());
        List<Rejection> expired = List.of();
        if (!deferred.isEmpty()) {
            String reason = describe(deferred);
            RetrySchedule.Next next = draft.schedule().failedAttempt(draft.claim(), new RetrySchedule.Unfinished(
                    message.getMessageID(), delivered, rejected, Refusals.addresses(deferred),
                    draft.source().folderDefaults(), reason));
            if (next instanceof RetrySchedule.RetryAt retry) {
                draft.schedule().returned(draft.claim().id());
                metrics.retry();
                LOG.warn("RETRY {} {} accepted for {} recipient(s); {} deferred, tried again alone at {}: {}",
                        draft.source().printableName(), message.getMessageID(), report.accepted().size(), deferred.size(),
                        retry.when(), reason);
                return;
            }
            expired = deferred;
        }
        int attempts = draft.schedule().attempts(draft.claim().id()) + 1;
        @SuppressWarnings("unchecked")
        List<String> suppressed = exchange.getProperty(dev.outboxmailer.bounce.Suppression.PROPERTY, List.class);
        fileAsSent(draft, message.getMessageID(), delivered, rejected, expired, attempts,
                suppressed == null ? List.of() : suppressed);
    }

    /** Something went wrong on the way: decide the draft's fate from the failure. */
    public void failed(Exchange exchange) throws IOException {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        DraftSource source = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        if (source == null || source.claim() == null) {
            // it failed before it was claimed: it is still in the outbox, untouched, and is picked up again
            LOG.warn("A draft could not be claimed and stays in the outbox: {}", error == null ? "?" : error.toString());
            return;
        }
        Claimed draft = claimed(exchange);
        if (error instanceof DeliveryPausedException) {
            hold(draft); // picked up just as sending paused
            return;
        }
        Failure failure = Failure.of(error);
        String description = describe(exchange);
        int attempts = draft.schedule().attempts(draft.claim().id());
        switch (failure.kind()) {
            case INVALID_DRAFT -> {
                pause.probeInconclusive();
                // SPEC §11: every recipient on the suppression list
                String kind = "invalid-draft";
                for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                    kind = t instanceof dev.outboxmailer.bounce.AllSuppressedException ? "suppressed" : kind;
                }
                toFailed(draft, description, kind, failure.reason(), null, attempts);
            }
            case REJECTED -> {
                pause.clear(); // the server took our login and answered
                List<Rejection> refused = Refusals.of(error);
                if (draft.delivered().isEmpty()) {
                    toFailed(draft, description, "rejected", failure.reason(), failure.smtpCode(), attempts + 1);
                } else {
                    List<Rejection> now = refused.isEmpty() ? everyOwed(draft, failure) : refused;
                    fileAsSent(draft, messageId(exchange, draft), draft.delivered(), concat(draft.rejected(), now),
                            List.of(), attempts + 1);
                }
            }
            case TRANSIENT -> {
                pause.probeInconclusive();
                retryLater(exchange, draft, description, failure);
            }
            case OPERATOR -> {
                pause.pause(failure.reason());
                hold(draft);
            }
        }
    }

    /**
     * Sending is paused for an operator problem: the draft waits, charged nothing. One that was never tried
     * goes back to the outbox, untouched, where the operator sees it; one with a retry record (some recipients
     * may have it) stays claimed, due as soon as sending resumes.
     */
    private void hold(Claimed draft) throws IOException {
        if (draft.before() == null) {
            draft.outbox().claims().release(draft.claim());
            draft.schedule().returned(draft.claim().id());
        } else {
            draft.schedule().hold(draft.claim(), draft.source().folderDefaults());
        }
    }

    /** Tries the filings that failed again (route {@code unfiled-outcomes}); their drafts were sent once. */
    public void fileAgain() {
        for (Path file : filing.fileAgain()) {
            Claim claim = Claim.of(file);
            Outboxes.Outbox outbox = outboxes.of(file.getParent().getParent().getParent());
            if (claim != null && outbox != null) {
                outbox.schedule().forget(claim.id());
            }
        }
    }

    private void retryLater(Exchange exchange, Claimed draft, String description, Failure failure) throws IOException {
        List<Rejection> refused = Refusals.of(error(exchange));
        List<Rejection> rejected = concat(draft.rejected(), Refusals.permanent(refused));
        List<Rejection> deferred = Refusals.deferred(refused);
        List<String> owed = deferred.isEmpty() ? draft.owed() : Refusals.addresses(deferred);
        String messageId = messageId(exchange, draft);
        RetrySchedule.Next next = draft.schedule().failedAttempt(draft.claim(), new RetrySchedule.Unfinished(
                messageId, draft.delivered(), rejected, owed, draft.source().folderDefaults(), failure.reason()));
        if (next instanceof RetrySchedule.RetryAt retry) {
            draft.schedule().returned(draft.claim().id());
            metrics.retry();
            LOG.warn("RETRY {}{} attempt {} failed, next at {}: {}",
                    draft.source().printableName(), description, retry.attempts(), retry.when(), failure.reason());
        } else if (next instanceof RetrySchedule.GiveUp giveUp) {
            String reason = "gave up after " + giveUp.attempts() + " attempts over " + human(giveUp.triedFor())
                    + "; last: " + failure.reason();
            if (draft.delivered().isEmpty()) {
                toFailed(draft, description, "expired", reason, failure.smtpCode(), giveUp.attempts());
            } else {
                List<Rejection> expired = deferred.isEmpty() ? everyOwed(draft, failure) : deferred;
                fileAsSent(draft, messageId, draft.delivered(), rejected, expired, giveUp.attempts());
            }
        }
    }

    /** The recipients the last attempt was for, each with the failure that ended it. */
    private static List<Rejection> everyOwed(Claimed draft, Failure failure) {
        int code = failure.smtpCode() == null ? 0 : failure.smtpCode();
        return draft.owed().stream().map(a -> new Rejection(a, code, failure.reason())).toList();
    }

    private void fileAsSent(Claimed draft, String messageId, List<String> delivered, List<Rejection> rejected,
                            List<Rejection> expired, int attempts) throws IOException {
        fileAsSent(draft, messageId, delivered, rejected, expired, attempts, List.of());
    }

    private void fileAsSent(Claimed draft, String messageId, List<String> delivered, List<Rejection> rejected,
                            List<Rejection> expired, int attempts, List<String> suppressed) throws IOException {
        Receipt receipt = new Receipt(draft.claim().name(), messageId, delivered, rejected, expired,
                OffsetDateTime.now(clock), attempts, suppressed);
        Path target = draft.folders().sent(draft.claim().file(), draft.claim().name(), receipt, LocalDate.now(clock));
        String others = (rejected.isEmpty() ? "" : ", " + rejected.size() + " rejected")
                + (expired.isEmpty() ? "" : ", " + expired.size() + " expired");
        if (target != null) {
            draft.schedule().forget(draft.claim().id());
            LOG.info("SENT {} {} to {} recipient(s){}", draft.source().printableName(), messageId, delivered.size(), others);
        } else {
            LOG.info("SENT {} {} to {} recipient(s){}; its receipt waits to be filed (see FILING)",
                    draft.source().printableName(), messageId, delivered.size(), others);
        }
    }

    private void toFailed(Claimed draft, String description, String kind, String reason, Integer code, int attempts)
            throws IOException {
        ErrorReport report = new ErrorReport(draft.claim().name(), kind, reason, code, attempts, OffsetDateTime.now(clock));
        if (draft.folders().failed(draft.claim().file(), draft.claim().name(), report) != null) {
            draft.schedule().forget(draft.claim().id());
        }
        metrics.failed(kind);
        LOG.warn("FAILED {}{} ({}): {}", draft.source().printableName(), description, kind, reason);
    }

    private Claimed claimed(Exchange exchange) {
        DraftSource source = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        if (source == null || source.claim() == null) {
            throw new IllegalStateException("no claimed draft on the exchange: intake must set " + DraftSource.PROPERTY);
        }
        Outboxes.Outbox outbox = outboxes.of(source.outbox());
        if (outbox == null) {
            throw new IllegalStateException("the outbox " + source.outbox() + " was not opened");
        }
        return new Claimed(source, new Claim(source.claim(), source.name(), source.file()), outbox,
                filing.of(outbox.dir()), outbox.schedule().get(source.claim()));
    }

    /** The Message-ID the draft goes out under: the one recipients already have, else the composed one. */
    private static String messageId(Exchange exchange, Claimed draft) {
        if (draft.before() != null && draft.before().messageId() != null) {
            return draft.before().messageId();
        }
        if (exchange.getMessage().getBody() instanceof OutgoingMessage message) {
            try {
                return message.getMessageID();
            } catch (MessagingException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    private static Throwable error(Exchange exchange) {
        return exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
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

    private static String describe(List<Rejection> refused) {
        StringBuilder sb = new StringBuilder();
        for (Rejection r : refused) {
            sb.append(sb.length() > 0 ? "; " : "").append(r.address()).append(": ").append(r.reply());
        }
        return sb.toString();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
