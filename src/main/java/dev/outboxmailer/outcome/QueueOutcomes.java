package dev.outboxmailer.outcome;

import dev.outboxmailer.state.DeliveryPausedException;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.config.RetryPolicy;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.deliver.Failure;
import dev.outboxmailer.deliver.Refusals;
import dev.outboxmailer.message.DeliveryReport;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.message.PartialDelivery;
import dev.outboxmailer.message.QueuedDraft;
import dev.outboxmailer.observe.MailerMetrics;
import jakarta.mail.MessagingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outcome stage for drafts from the queue: the same decisions as {@link Outcomes} for the outbox
 * folder, from the same classification ({@link Failure}), the same retry policy ({@code retry.*}) and the
 * same {@link DeliveryPause}, with a queue in place of the folders. All of it happens in the transaction
 * that took the message off the queue, so the message leaves the queue exactly when its outcome is
 * recorded:
 * <ul>
 *   <li>sent: logged, and (with {@code queue.receipts=true}) a receipt published to {@code <queue>.receipts};</li>
 *   <li>invalid draft, rejected (5xx), or passing failures for longer than {@code retry.give-up-after}: a copy
 *       goes to {@code <queue>.DLQ} with {@code errorKind} ({@code invalid-draft}, {@code rejected},
 *       {@code expired}), {@code errorReason} and, where there was one, {@code smtpCode};</li>
 *   <li>passing failure: a copy is queued again for delivery at the next retry time (Artemis
 *       {@code _AMQ_SCHED_DELIVERY}), carrying its attempt count, so it holds up no other draft;</li>
 *   <li>operator problem (login, certificate, host): sending pauses; the copy is queued for the end of the
 *       pause, no attempt charged.</li>
 * </ul>
 * The route sends the copy to the queue named by the exchange property {@link #TO}.
 */
public final class QueueOutcomes {
    private static final Logger LOG = LoggerFactory.getLogger(QueueOutcomes.class);
    /** Exchange property: the queue the copy prepared by {@link #failed} goes to; unset when none. */
    public static final String TO = "outboxQueueTo";
    private static final String SENT = "outboxQueueSent";
    /** Artemis: the message is not delivered before this time (epoch millis). */
    static final String SCHEDULED_DELIVERY = "_AMQ_SCHED_DELIVERY";

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final QueueSettings settings;
    private final RetryPolicy policy;
    private final DeliveryPause pause;
    private final Clock clock;
    private final MailerMetrics metrics;

    public QueueOutcomes(QueueSettings settings, RetryPolicy policy, DeliveryPause pause, Clock clock) {
        this(settings, policy, pause, clock, MailerMetrics.unpublished());
    }

    public QueueOutcomes(QueueSettings settings, RetryPolicy policy, DeliveryPause pause, Clock clock,
                         MailerMetrics metrics) {
        this.metrics = metrics;
        this.settings = settings;
        this.policy = policy;
        this.pause = pause;
        this.clock = clock;
    }

    /**
     * The server accepted the message, for all its recipients or for some. When it deferred some ({@code 4xx}),
     * a copy for them alone is queued for the next attempt (the body becomes that copy, the property {@link #TO}
     * names the queue). Once every recipient has an answer: one SENT line, and with {@code queue.receipts=true}
     * the receipt (JSON) becomes the body for {@code <queue>.receipts}, with the properties
     * {@code outboxInstance} and {@code outboxDraft}, and the sender's JMSCorrelationID (or the id of its message).
     */
    public Object sent(Exchange exchange) throws MessagingException, InvalidPayloadException, JsonProcessingException {
        DraftSource draft = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        QueuedDraft queued = queued(exchange);
        OutgoingMessage message = exchange.getMessage().getMandatoryBody(OutgoingMessage.class);
        exchange.setProperty(SENT, true);
        exchange.removeProperty(TO);
        DeliveryReport report = message.report();
        pause.clear();
        metrics.sent(exchange);
        List<DeliveryReport.Rejection> deferred = Refusals.deferred(report.rejected());
        PartialDelivery now = queued.partial().after(message.getMessageID(), report.accepted(),
                Refusals.permanent(report.rejected()), Refusals.addresses(deferred));
        int attempts = queued.attempts() + 1;
        if (!deferred.isEmpty()) {
            Instant first = queued.firstAttempt() == null ? clock.instant() : queued.firstAttempt();
            if (Duration.between(first, clock.instant()).compareTo(policy.giveUpAfter()) < 0) {
                Instant when = clock.instant().plus(policy.delayAfter(attempts));
                Message copy = copy(exchange, queued, attempts, first);
                copy.setHeader(PartialDelivery.HEADER, json.writeValueAsString(now));
                copy.setHeader(SCHEDULED_DELIVERY, when.toEpochMilli());
                exchange.setProperty(TO, settings.name());
                metrics.retry();
                LOG.warn("RETRY {} {} accepted for {} recipient(s); {} deferred, tried again alone at {}",
                        draft.printableName(), now.messageId(), report.accepted().size(), deferred.size(), when);
                return copy.getBody();
            }
        }
        return receipt(exchange, draft, queued, now, deferred, attempts);
    }

    /** Every recipient has an answer: the SENT line, and the receipt as the body (sent on with queue.receipts). */
    private String receipt(Exchange exchange, DraftSource draft, QueuedDraft queued, PartialDelivery done,
                           List<DeliveryReport.Rejection> expired, int attempts) throws JsonProcessingException {
        Receipt receipt = new Receipt(draft.name(), done.messageId(), done.delivered(), done.rejected(), expired,
                OffsetDateTime.now(clock), attempts);
        LOG.info("SENT {} {} to {} recipient(s){}{}", draft.printableName(), done.messageId(), done.delivered().size(),
                done.rejected().isEmpty() ? "" : ", " + done.rejected().size() + " rejected",
                expired.isEmpty() ? "" : ", " + expired.size() + " expired");
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader("outboxInstance", settings.instanceId());
        out.setHeader("outboxDraft", draft.name());
        out.setHeader("JMSCorrelationID", queued.correlationId() != null ? queued.correlationId() : queued.id());
        if (settings.receipts()) {
            exchange.setProperty(TO, settings.receiptQueue());
        }
        return json.writeValueAsString(receipt);
    }

    /**
     * Something went wrong on the way: prepare the copy that records the draft's fate (see the class).
     *
     * @throws Exception the error itself when the message could not even be read: the transaction then rolls
     *                   back and the broker delivers the message again (never dropped, never half-handled)
     */
    public void failed(Exchange exchange) throws Exception {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        DraftSource draft = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        QueuedDraft queued = exchange.getProperty(QueuedDraft.PROPERTY, QueuedDraft.class);
        exchange.removeProperty(TO);
        if (Boolean.TRUE.equals(exchange.getProperty(SENT))) {
            // the server took it; only the receipt could not be published: it must not be sent again
            LOG.warn("SENT {}, but its receipt was not published: {}", draft.printableName(), oneLine(error));
            return;
        }
        if (draft == null || queued == null) {
            throw error instanceof Exception e ? e : new IllegalStateException(error);
        }
        if (error instanceof DeliveryPausedException) {
            hold(exchange, queued);
            return;
        }
        Failure failure = Failure.of(error);
        switch (failure.kind()) {
            case INVALID_DRAFT -> deadLetter(exchange, draft, queued, "invalid-draft", failure.reason(), null, queued.attempts());
            case REJECTED -> {
                if (queued.partial().delivered().isEmpty()) {
                    deadLetter(exchange, draft, queued, "rejected", failure.reason(), failure.smtpCode(), queued.attempts() + 1);
                } else { // the others have it: a receipt, with these refused
                    pause.clear();
                    exchange.getMessage().setBody(receipt(exchange, draft, queued, queued.partial()
                            .after(null, List.of(), refusedOrOwed(error, queued, failure), List.of()), List.of(), queued.attempts() + 1));
                }
            }
            case TRANSIENT -> retryLater(exchange, draft, queued, failure, error);
            case OPERATOR -> {
                pause.pause(failure.reason());
                hold(exchange, queued);
            }
        }
    }

    private void retryLater(Exchange exchange, DraftSource draft, QueuedDraft queued, Failure failure, Throwable error)
            throws JsonProcessingException {
        String message = Outcomes.describe(exchange);
        Instant now = clock.instant();
        int attempts = queued.attempts() + 1;
        Instant first = queued.firstAttempt() == null ? now : queued.firstAttempt();
        Duration triedFor = Duration.between(first, now);
        List<DeliveryReport.Rejection> refused = Refusals.of(error);
        List<DeliveryReport.Rejection> deferred = Refusals.deferred(refused);
        PartialDelivery partial = queued.partial().after(null, List.of(), Refusals.permanent(refused),
                deferred.isEmpty() ? queued.partial().owed() : Refusals.addresses(deferred));
        if (triedFor.compareTo(policy.giveUpAfter()) >= 0) {
            if (!partial.delivered().isEmpty()) { // the others have it: a receipt, with these expired
                List<DeliveryReport.Rejection> expired = deferred.isEmpty()
                        ? partial.owed().stream().map(a -> new DeliveryReport.Rejection(a,
                                failure.smtpCode() == null ? 0 : failure.smtpCode(), failure.reason())).toList()
                        : deferred;
                exchange.getMessage().setBody(receipt(exchange, draft, queued,
                        partial.after(null, List.of(), List.of(), List.of()), expired, attempts));
                return;
            }
            deadLetter(exchange, draft, queued, "expired", "gave up after " + attempts + " attempts over "
                    + triedFor.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + "; last: " + failure.reason(),
                    failure.smtpCode(), attempts);
            return;
        }
        Instant when = now.plus(policy.delayAfter(attempts));
        Message copy = copy(exchange, queued, attempts, first);
        if (!partial.delivered().isEmpty() || !partial.owed().isEmpty()) {
            copy.setHeader(PartialDelivery.HEADER, json.writeValueAsString(partial));
        }
        copy.setHeader(SCHEDULED_DELIVERY, when.toEpochMilli());
        exchange.setProperty(TO, settings.name());
        metrics.retry();
        LOG.warn("RETRY {}{} attempt {} failed, next at {}: {}", draft.printableName(), message, attempts, when, failure.reason());
    }

    /** The recipients refused one by one, or, for a refusal of the message, every recipient it was for. */
    private static List<DeliveryReport.Rejection> refusedOrOwed(Throwable error, QueuedDraft queued, Failure failure) {
        List<DeliveryReport.Rejection> refused = Refusals.of(error);
        if (!refused.isEmpty()) {
            return refused;
        }
        int code = failure.smtpCode() == null ? 0 : failure.smtpCode();
        return queued.partial().owed().stream().map(a -> new DeliveryReport.Rejection(a, code, failure.reason())).toList();
    }

    /** Back on the queue for the end of the pause, unchanged: an operator problem is not the draft's. */
    private void hold(Exchange exchange, QueuedDraft queued) throws JsonProcessingException {
        Instant until = pause.pausedUntil();
        Message copy = copy(exchange, queued, queued.attempts(), queued.firstAttempt());
        if (queued.partial() != PartialDelivery.NONE) {
            copy.setHeader(PartialDelivery.HEADER, json.writeValueAsString(queued.partial()));
        }
        if (until.isAfter(clock.instant())) {
            copy.setHeader(SCHEDULED_DELIVERY, until.toEpochMilli());
        }
        exchange.setProperty(TO, settings.name());
    }

    private void deadLetter(Exchange exchange, DraftSource draft, QueuedDraft queued, String kind, String reason,
                            Integer smtpCode, int attempts) {
        String message = Outcomes.describe(exchange);
        Message copy = copy(exchange, queued, attempts, queued.firstAttempt());
        copy.setHeader("errorKind", kind);
        copy.setHeader("errorReason", reason);
        if (smtpCode != null) {
            copy.setHeader("smtpCode", smtpCode);
        }
        copy.setHeader("failedAt", OffsetDateTime.now(clock).toString());
        exchange.setProperty(TO, settings.deadLetterQueue());
        metrics.failed(kind);
        LOG.warn("FAILED {}{} ({}): {}", draft.printableName(), message, kind, reason);
    }

    /** The message as the sender sent it, with its own properties and outbox-mailer's bookkeeping. */
    private Message copy(Exchange exchange, QueuedDraft queued, int attempts, Instant firstAttempt) {
        Message copy = exchange.getMessage();
        copy.removeHeaders("*");
        copy.setBody(queued.body() == null ? "" : queued.body());
        queued.properties().forEach(copy::setHeader);
        if (queued.correlationId() != null) {
            copy.setHeader("JMSCorrelationID", queued.correlationId());
        }
        copy.setHeader(QueuedDraft.ORIGINAL_ID, queued.id());
        copy.setHeader(QueuedDraft.ATTEMPTS, attempts);
        if (firstAttempt != null) {
            copy.setHeader(QueuedDraft.FIRST_ATTEMPT, firstAttempt.toEpochMilli());
        }
        return copy;
    }

    private static QueuedDraft queued(Exchange exchange) {
        QueuedDraft queued = exchange.getProperty(QueuedDraft.PROPERTY, QueuedDraft.class);
        if (queued == null) {
            throw new IllegalStateException("no queued draft on the exchange: intake must set " + QueuedDraft.PROPERTY);
        }
        return queued;
    }

    private static String oneLine(Throwable error) {
        return error == null ? "" : String.valueOf(error.getMessage()).replaceAll("\\s+", " ").strip();
    }
}
