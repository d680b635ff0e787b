package dev.outboxmailer.outcome;

import dev.outboxmailer.config.RetryPolicy;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.deliver.Failure;
import dev.outboxmailer.message.DeliveryReport;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.message.QueuedDraft;
import dev.outboxmailer.observe.MailerMetrics;
import jakarta.mail.MessagingException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
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
     * The server accepted the message: one SENT line, and the receipt (JSON) becomes the body, with the
     * properties {@code outboxInstance} and {@code outboxDraft}, and the sender's JMSCorrelationID (or the
     * id of its message), for {@code <queue>.receipts}.
     */
    public String sent(Exchange exchange) throws MessagingException, InvalidPayloadException, JsonProcessingException {
        DraftSource draft = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        QueuedDraft queued = queued(exchange);
        OutgoingMessage message = exchange.getMessage().getMandatoryBody(OutgoingMessage.class);
        exchange.setProperty(SENT, true);
        DeliveryReport report = message.report();
        Receipt receipt = new Receipt(draft.name(), message.getMessageID(), report.accepted(), report.rejected(), java.util.List.of(),
                OffsetDateTime.now(clock), queued.attempts() + 1);
        pause.clear();
        metrics.sent(exchange);
        LOG.info("SENT {} {} to {} recipient(s){}", draft.printableName(), message.getMessageID(),
                report.accepted().size(), report.rejected().isEmpty() ? "" : ", " + report.rejected().size() + " rejected");
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader("outboxInstance", settings.instanceId());
        out.setHeader("outboxDraft", draft.name());
        out.setHeader("JMSCorrelationID", queued.correlationId() != null ? queued.correlationId() : queued.id());
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
            case REJECTED -> deadLetter(exchange, draft, queued, "rejected", failure.reason(), failure.smtpCode(), queued.attempts() + 1);
            case TRANSIENT -> retryLater(exchange, draft, queued, failure);
            case OPERATOR -> {
                pause.pause(failure.reason());
                hold(exchange, queued);
            }
        }
    }

    private void retryLater(Exchange exchange, DraftSource draft, QueuedDraft queued, Failure failure) {
        String message = Outcomes.describe(exchange);
        Instant now = clock.instant();
        int attempts = queued.attempts() + 1;
        Instant first = queued.firstAttempt() == null ? now : queued.firstAttempt();
        Duration triedFor = Duration.between(first, now);
        if (triedFor.compareTo(policy.giveUpAfter()) >= 0) {
            deadLetter(exchange, draft, queued, "expired", "gave up after " + attempts + " attempts over "
                    + triedFor.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + "; last: " + failure.reason(),
                    failure.smtpCode(), attempts);
            return;
        }
        Instant when = now.plus(policy.delayAfter(attempts));
        Message copy = copy(exchange, queued, attempts, first);
        copy.setHeader(SCHEDULED_DELIVERY, when.toEpochMilli());
        exchange.setProperty(TO, settings.name());
        metrics.retry();
        LOG.warn("RETRY {}{} attempt {} failed, next at {}: {}", draft.printableName(), message, attempts, when, failure.reason());
    }

    /** Back on the queue for the end of the pause, unchanged: an operator problem is not the draft's. */
    private void hold(Exchange exchange, QueuedDraft queued) {
        Instant until = pause.pausedUntil();
        Message copy = copy(exchange, queued, queued.attempts(), queued.firstAttempt());
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
