package dev.outboxmailer.compose;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Session;
import java.util.Objects;
import java.util.Properties;

/**
 * Turns a draft into the message that will be sent (SPEC §4): the file extension chooses the format.
 * Every message it returns has a From, a Date, a Message-ID on the sender's domain, and its envelope
 * recipients (To + Cc + Bcc) set; no message it returns carries a Bcc header. A draft that cannot
 * become a correct message fails with an {@link InvalidDraftException} whose message says why.
 */
public final class Composer {

    private final ComposeSettings settings;
    private final Session session;
    private final EmlComposer eml;
    private final EnvelopeComposer envelope;

    public Composer(ComposeSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.session = newMimeSession();
        this.eml = new EmlComposer(session, settings);
        this.envelope = new EnvelopeComposer(session, settings);
    }

    /**
     * A Session for composing and parsing messages: UTF-8 as the MIME charset, RFC 2231 parameter
     * encoding and splitting on, strict address syntax, and headers read as bytes (not as UTF-8) so an
     * as-written message keeps them exactly. Jakarta Mail reads some of these switches from System
     * properties only, so the composer also passes UTF-8 explicitly wherever it encodes text.
     */
    public static Session newMimeSession() {
        Properties properties = new Properties();
        properties.setProperty("mail.mime.charset", "UTF-8");
        properties.setProperty("mail.mime.encodeparameters", "true");
        properties.setProperty("mail.mime.splitlongparameters", "true");
        properties.setProperty("mail.mime.address.strict", "true");
        properties.setProperty("mail.mime.allowutf8", "false");
        return Session.getInstance(properties);
    }

    /** The Session the messages of this composer are made with. */
    public Session mimeSession() {
        return session;
    }

    public OutgoingMessage compose(Draft draft) throws InvalidDraftException {
        DraftText.requireNotEmpty(draft.bytes());
        return switch (draft.extension()) {
            case "eml" -> eml.compose(draft.bytes());
            case "json" -> envelope.compose(EnvelopeReader.JSON.read(DraftText.utf8(draft.bytes())), draft.attachmentRoot());
            case "yaml", "yml" -> envelope.compose(EnvelopeReader.YAML.read(DraftText.utf8(draft.bytes())), draft.attachmentRoot());
            default -> throw new InvalidDraftException(HeaderSafety.quoted(draft.name())
                    + " is not a draft format outbox-mailer reads yet (.eml, .json, .yaml, .yml)");
        };
    }

    ComposeSettings settings() {
        return settings;
    }
}
