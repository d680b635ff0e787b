package dev.outboxmailer.message;

import java.time.Instant;
import java.util.Map;

/**
 * A draft taken from the queue, as the outcome stage needs it to re-queue or dead-letter a copy: carried
 * as the exchange property {@link #PROPERTY} (the message headers are all removed before the mail
 * endpoint, exchange properties are not).
 *
 * @param id           the id of the message the sender sent (kept across re-queued copies)
 * @param correlationId the sender's JMSCorrelationID, or null
 * @param body         the message body exactly as received: a String (TextMessage) or byte[] (BytesMessage);
 *                     null for a message of another type
 * @param attempts     times the draft was handed to the SMTP server before this delivery
 * @param firstAttempt when it was first handed over, or null if never
 * @param properties   the sender's own JMS properties, passed on unchanged to a re-queued or dead-lettered copy
 * @param partial      what earlier attempts delivered, when some recipients were deferred; else
 *                     {@link PartialDelivery#NONE}
 */
public record QueuedDraft(String id, String correlationId, Object body, int attempts, Instant firstAttempt,
                          Map<String, Object> properties, PartialDelivery partial) {
    public static final String PROPERTY = "outboxMailerQueued";

    /** JMS properties outbox-mailer sets on the copies it queues. */
    public static final String ATTEMPTS = "outboxAttempts";
    public static final String FIRST_ATTEMPT = "outboxFirstAttempt";
    public static final String ORIGINAL_ID = "outboxOriginalId";

    public QueuedDraft {
        properties = Map.copyOf(properties);
        partial = partial == null ? PartialDelivery.NONE : partial;
    }
}
