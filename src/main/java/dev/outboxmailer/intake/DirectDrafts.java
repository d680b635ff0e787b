package dev.outboxmailer.intake;

import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.DeliveryPausedException;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.Exchange;

/**
 * Intake of the entry point {@code direct:outbox-mailer} ({@code routes/entry.yaml}): any route — HTTP,
 * SFTP, Kafka… — hands a draft to the pipeline as the body (bytes or text, any format of SPEC §4 chosen by
 * its name), named by the header {@link #NAME} (or, failing that, the file name a file-like component
 * set). Attachments by {@code path} are refused, as for the queue: such a draft has no folder.
 */
public final class DirectDrafts {
    /** Header: the draft's name, whose extension chooses its format ({@code note.json}, {@code hello.eml}). */
    public static final String NAME = "OutboxMailerDraftName";
    /** Exchange property: the caller's headers, given back with the outcome (sending removes every header). */
    public static final String CALLER_HEADERS = "outboxMailerCallerHeaders";

    private final DeliveryPause pause;

    public DirectDrafts(DeliveryPause pause) {
        this.pause = pause;
    }

    public Draft read(Exchange exchange) throws InvalidDraftException, DeliveryPausedException {
        var in = exchange.getMessage();
        String name = in.getHeader(NAME, String.class);
        if (name == null || name.isBlank()) {
            name = in.getHeader(Exchange.FILE_NAME_ONLY, String.class);
        }
        if (name == null || name.isBlank()) {
            String file = in.getHeader(Exchange.FILE_NAME, String.class);
            name = file == null ? null : file.substring(file.lastIndexOf('/') + 1);
        }
        exchange.setProperty(CALLER_HEADERS, new HashMap<>(in.getHeaders()));
        if (name == null || name.isBlank()) {
            exchange.setProperty(DraftSource.PROPERTY, DraftSource.inMemory("(unnamed)"));
            throw new InvalidDraftException("the draft has no name: set the header " + NAME
                    + " (e.g. note.json, hello.eml); its extension says which format the body is");
        }
        exchange.setProperty(DraftSource.PROPERTY, DraftSource.inMemory(name));
        if (pause.isPaused()) {
            throw new DeliveryPausedException(pause.problem());
        }
        byte[] body = in.getBody(byte[].class);
        return new Draft(name, body == null ? new byte[0] : body, null);
    }

    /** The caller's headers, as they were when it handed the draft over. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> callerHeaders(Exchange exchange) {
        Map<String, Object> headers = exchange.getProperty(CALLER_HEADERS, Map.class);
        return headers == null ? Map.of() : headers;
    }
}
