package dev.outboxmailer.intake;

import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.compose.SizeLimit;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.PartialDelivery;
import dev.outboxmailer.message.QueuedDraft;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.DeliveryPausedException;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;

/**
 * The queue as intake sees it (SPEC §5): a TextMessage holds an envelope (JSON, or YAML), a BytesMessage a
 * finished RFC 5322 message. It becomes the same {@link Draft} a file in the outbox would, with no
 * attachment folder: an attachment given by {@code path} is an invalid draft here.
 *
 * <p>The draft is named {@code queue:<JMSMessageID>} (of the message the sender sent, kept on re-queued
 * copies). JMS properties are never read as settings: only outbox-mailer's own attempt count is taken
 * from them, and the others are only passed on to re-queued and dead-lettered copies.
 */
public final class QueueMessages {

    /** Artemis's property on a large message: the size of its body, known before the body is read. */
    static final String LARGE_BODY_SIZE = "_AMQ_LARGE_SIZE";

    private final DeliveryPause pause;
    private final long maxSizeBytes;

    public QueueMessages(DeliveryPause pause) {
        this(pause, Long.MAX_VALUE / 4);
    }

    /** @param maxSizeBytes {@code mail.max-size}: a message whose body is larger is refused before it is read */
    public QueueMessages(DeliveryPause pause, long maxSizeBytes) {
        this.pause = pause;
        this.maxSizeBytes = maxSizeBytes;
    }

    public Draft read(Exchange exchange) throws JMSException, InvalidDraftException, DeliveryPausedException,
            InvalidPayloadException {
        Message message = exchange.getMessage().getMandatoryBody(Message.class);
        String id = string(message, QueuedDraft.ORIGINAL_ID);
        if (id == null) {
            id = message.getJMSMessageID();
        }
        String name = "queue:" + id;
        String tooLarge = tooLarge(message);
        Object body = tooLarge != null ? null
                : message instanceof TextMessage text ? text.getText()
                : message instanceof BytesMessage bytes ? bytes(bytes) : null;
        long first = number(message, QueuedDraft.FIRST_ATTEMPT);
        PartialDelivery partial = partial(message);
        QueuedDraft queued = new QueuedDraft(id, message.getJMSCorrelationID(), body,
                (int) Math.max(0, Math.min(Integer.MAX_VALUE, number(message, QueuedDraft.ATTEMPTS))),
                first > 0 ? Instant.ofEpochMilli(first) : null, senderProperties(message), partial);
        exchange.setProperty(DraftSource.PROPERTY, DraftSource.inMemory(name));
        exchange.setProperty(QueuedDraft.PROPERTY, queued);
        if (partial != PartialDelivery.NONE) {
            exchange.setProperty(PartialDelivery.PROPERTY, partial);
        }

        if (pause.isPaused()) {
            throw new DeliveryPausedException(pause.problem());
        }
        if (tooLarge != null) {
            throw new InvalidDraftException(tooLarge);
        }
        if (body instanceof String text) {
            String format = text.strip().startsWith("{") ? ".json" : ".yaml";
            return new Draft(name + format, text.getBytes(StandardCharsets.UTF_8), null);
        }
        if (body instanceof byte[] bytes) {
            return new Draft(name + ".eml", bytes, null);
        }
        throw new InvalidDraftException("a " + type(message) + " is not a draft: send a TextMessage (a JSON or YAML "
                + "envelope) or a BytesMessage (an RFC 5322 message)");
    }

    /**
     * What earlier attempts of a re-queued copy delivered ({@link PartialDelivery#HEADER}, set by the outcome
     * stage). A value that cannot be read is ignored: the copy then goes to all of the draft's recipients.
     */
    private static PartialDelivery partial(Message message) throws JMSException {
        String text = string(message, PartialDelivery.HEADER);
        if (text == null || text.length() > 256 * 1024) {
            return PartialDelivery.NONE;
        }
        try {
            PartialDelivery partial = JSON.readValue(text, PartialDelivery.class);
            return partial == null ? PartialDelivery.NONE : partial;
        } catch (java.io.IOException e) {
            return PartialDelivery.NONE;
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Why the message is too large to read, from its size alone (a BytesMessage's body length; a large
     * Artemis message's body size, which holds text as two bytes a character), or null.
     */
    private String tooLarge(Message message) throws JMSException {
        long size;
        if (message instanceof BytesMessage bytes) {
            size = bytes.getBodyLength();
        } else if (message instanceof TextMessage && message.getObjectProperty(LARGE_BODY_SIZE) instanceof Number n) {
            size = n.longValue() / 2; // the broker holds text as two bytes a character
        } else {
            return null;
        }
        if (size <= maxSizeBytes) {
            return null;
        }
        return String.format("the message is %s%s, over the %s limit for a message (mail.max-size); its body was not read "
                + "(the dead-lettered copy has no body)", message instanceof TextMessage ? "about " : "",
                SizeLimit.human(size), SizeLimit.human(maxSizeBytes));
    }

    private static byte[] bytes(BytesMessage message) throws JMSException {
        message.reset(); // a redelivered message is read from the start
        long length = message.getBodyLength();
        if (length > Integer.MAX_VALUE - 16) {
            return new byte[0]; // far beyond any mail.max-size; the composer says it is empty
        }
        byte[] bytes = new byte[(int) length];
        message.readBytes(bytes);
        return bytes;
    }

    /** The sender's own properties: not the JMS/provider ones ({@code JMS*}, {@code _AMQ*}) and not ours. */
    private static Map<String, Object> senderProperties(Message message) throws JMSException {
        Map<String, Object> properties = new HashMap<>();
        for (String key : Collections.list((java.util.Enumeration<?>) message.getPropertyNames()).stream()
                .map(String::valueOf).toList()) {
            if (!key.startsWith("JMS") && !key.startsWith("_") && !key.startsWith("outbox")) {
                Object value = message.getObjectProperty(key);
                if (value != null) {
                    properties.put(key, value);
                }
            }
        }
        return properties;
    }

    private static String string(Message message, String key) throws JMSException {
        Object value = message.getObjectProperty(key);
        return value == null ? null : value.toString();
    }

    /** A numeric property outbox-mailer set on a copy, or 0 where it is missing or not a number. */
    private static long number(Message message, String key) throws JMSException {
        Object value = message.getObjectProperty(key);
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return value == null ? 0 : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String type(Message message) {
        for (Class<?> type : message.getClass().getInterfaces()) {
            if (type.getName().startsWith("jakarta.jms.") && !type.equals(Message.class)) {
                return type.getSimpleName();
            }
        }
        return "message of type " + message.getClass().getSimpleName();
    }
}
