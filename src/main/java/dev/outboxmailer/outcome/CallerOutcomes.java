package dev.outboxmailer.outcome;

import dev.outboxmailer.state.DeliveryPausedException;
import dev.outboxmailer.state.DeliveryPause;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outboxmailer.deliver.Failure;
import dev.outboxmailer.intake.DirectDrafts;
import dev.outboxmailer.message.DeliveryReport;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.observe.MailerMetrics;
import jakarta.mail.MessagingException;
import java.time.Clock;
import java.time.OffsetDateTime;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outcome stage of {@code direct:outbox-mailer}: the caller's route learns what became of its draft.
 * Sent: the SENT line, the receipt (JSON, as in a {@code .receipt.json}) as the body, the header
 * {@link #MESSAGE_ID}, and the caller's own headers back. Not sent: the FAILED line and a
 * {@link DraftNotSentException} thrown into the caller's route, whose error handling decides what next —
 * the entry point keeps nothing and retries nothing itself.
 */
public final class CallerOutcomes {
    private static final Logger LOG = LoggerFactory.getLogger(CallerOutcomes.class);
    /** Header on the caller's message after a send: the Message-ID the server accepted. */
    public static final String MESSAGE_ID = "OutboxMailerMessageId";

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final DeliveryPause pause;
    private final Clock clock;
    private final MailerMetrics metrics;

    public CallerOutcomes(DeliveryPause pause, Clock clock, MailerMetrics metrics) {
        this.pause = pause;
        this.clock = clock;
        this.metrics = metrics;
    }

    public String sent(Exchange exchange) throws MessagingException, InvalidPayloadException, JsonProcessingException {
        DraftSource draft = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        OutgoingMessage message = exchange.getMessage().getMandatoryBody(OutgoingMessage.class);
        DeliveryReport report = message.report();
        Receipt receipt = new Receipt(draft.name(), message.getMessageID(), report.accepted(), report.rejected(), java.util.List.of(),
                OffsetDateTime.now(clock), 1);
        pause.clear();
        metrics.sent(exchange);
        LOG.info("SENT {} {} to {} recipient(s){}", draft.printableName(), message.getMessageID(),
                report.accepted().size(), report.rejected().isEmpty() ? "" : ", " + report.rejected().size() + " rejected");
        Message out = exchange.getMessage();
        out.setHeaders(new java.util.HashMap<>(DirectDrafts.callerHeaders(exchange)));
        out.setHeader(MESSAGE_ID, message.getMessageID());
        return json.writeValueAsString(receipt);
    }

    /** Always throws: the reason the draft was not sent, for the caller's route. */
    public void failed(Exchange exchange) throws DraftNotSentException {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        DraftSource draft = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        String name = draft == null ? "(unnamed)" : draft.printableName();
        String message = Outcomes.describe(exchange);
        exchange.getMessage().setHeaders(new java.util.HashMap<>(DirectDrafts.callerHeaders(exchange)));
        if (error instanceof DeliveryPausedException) {
            throw new DraftNotSentException(name, "held", "sending is paused: " + pause.problem(), null, error);
        }
        Failure failure = Failure.of(error);
        String kind = switch (failure.kind()) {
            case INVALID_DRAFT -> "invalid-draft";
            case REJECTED -> "rejected";
            case TRANSIENT -> "transient";
            case OPERATOR -> "held";
        };
        switch (failure.kind()) {
            case INVALID_DRAFT -> pause.probeInconclusive();
            case REJECTED -> pause.clear();
            case TRANSIENT -> pause.probeInconclusive();
            case OPERATOR -> pause.pause(failure.reason());
        }
        if (failure.kind() == Failure.Kind.INVALID_DRAFT || failure.kind() == Failure.Kind.REJECTED) {
            metrics.failed(kind);
        }
        if (failure.kind() != Failure.Kind.OPERATOR) {
            LOG.warn("FAILED {}{} ({}): {}", name, message, kind, failure.reason());
        }
        throw new DraftNotSentException(name, kind, failure.reason(), failure.smtpCode(), error);
    }
}
