package dev.outboxmailer.compose;

import jakarta.activation.DataSource;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;

/**
 * Turns a draft into the message that will be sent (SPEC §4): the file extension chooses the format —
 * {@code .eml} a finished message, {@code .json}/{@code .yaml}/{@code .yml} an envelope, {@code .txt}/{@code .md}
 * a note with a header block, anything else a bare file sent as the attachment of a mail to mail.to.
 * Every message it returns has a From, a Date, a Message-ID on the sender's domain, and its envelope
 * recipients (To + Cc + Bcc) set; no message it returns carries a Bcc header. A draft that cannot
 * become a correct message fails with an {@link InvalidDraftException} whose message says why.
 */
public final class Composer implements Processor {

    /** Drafts up to this size are checked for being blank; larger ones are not read whole for that. */
    private static final long SMALL = 64 * 1024;
    /** How much of a bare file is read to tell its type from its bytes. */
    private static final int SNIFF = 8 * 1024;

    private final ComposeSettings settings;
    private final Session session;
    private final EmlComposer eml;
    private final EnvelopeComposer envelope;
    /** Composers for drafts that carry their folder's defaults, one per set of defaults. */
    private final java.util.concurrent.ConcurrentMap<DraftDefaults, Composer> withDefaults =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final DraftDefaults defaults;

    public Composer(ComposeSettings settings) {
        this(settings, null);
    }

    private Composer(ComposeSettings settings, DraftDefaults defaults) {
        this.defaults = defaults;
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
        if (draft.defaults() != null && defaults == null) {
            return withDefaults.computeIfAbsent(draft.defaults(), d -> new Composer(d.over(settings), d)).compose(draft);
        }
        draft.checked(); // a file is opened once, here: a link, pipe, device or socket is refused unread
        String extension = draft.extension();
        if (!isBare(extension) && draft.size() > settings.maxSizeBytes()) {
            throw new InvalidDraftException(String.format("the draft is %s, over the %s limit for a message (mail.max-size); "
                    + "it was not read", SizeLimit.human(draft.size()), SizeLimit.human(settings.maxSizeBytes())));
        }
        if (draft.size() == 0 || draft.size() <= SMALL) {
            DraftText.requireNotEmpty(draft.bytes());
        }
        return switch (extension) {
            case "eml" -> eml.compose(draft);
            case "json" -> envelope.compose(subject(EnvelopeReader.JSON.read(DraftText.utf8(draft.bytes()))), draft, Naming.ENVELOPE);
            case "yaml", "yml" -> envelope.compose(subject(EnvelopeReader.YAML.read(DraftText.utf8(draft.bytes()))), draft,
                    Naming.ENVELOPE);
            case "txt", "md" -> {
                NoteReader.Note note = NoteReader.read(draft.name(), DraftText.utf8(draft.bytes()), extension.equals("md"),
                        defaults == null ? null : defaults.subject());
                yield envelope.compose(subject(note.draft()), draft, note.naming());
            }
            default -> bareFile(draft);
        };
    }

    private static boolean isBare(String extension) {
        return !java.util.Set.of("eml", "json", "yaml", "yml", "txt", "md").contains(extension);
    }

    /** The envelope, with the folder's subject where it has none. */
    private EnvelopeDraft subject(EnvelopeDraft draft) {
        return defaults == null ? draft : defaults.over(draft);
    }

    /**
     * Any other file (SPEC §4.4): the single attachment of a mail from mail.from to mail.to, its subject
     * the file name, its content type from the name and the bytes ({@link ContentTypes}).
     */
    private OutgoingMessage bareFile(Draft draft) throws InvalidDraftException {
        String name = draft.name();
        HeaderSafety.requireSingleLine("the file name", name);
        if (settings.defaultRecipients().isEmpty()) {
            throw new InvalidDraftException(HeaderSafety.quoted(name) + " is not a draft (.eml, .json, .yaml, .yml, .txt, .md), "
                    + "so it would be sent as an attachment to mail.to, but mail.to is not set: set mail.to, "
                    + "or write a draft that says who it goes to");
        }
        if (draft.size() > settings.maxSizeBytes()) {
            throw new InvalidDraftException(String.format("the file is %s, over the %s limit for a message (mail.max-size)",
                    SizeLimit.human(draft.size()), SizeLimit.human(settings.maxSizeBytes())));
        }
        List<InternetAddress> to = new ArrayList<>();
        for (InternetAddress address : settings.defaultRecipients()) {
            to.add(Addresses.normalized("mail.to", address));
        }
        InternetAddress from = envelope.defaultFrom(defaults == null
                ? "a file that is not a draft is sent from mail.from; set it in the configuration"
                : "a file that is not a draft is sent from its folder's 'from' (watched-folder in routes/) or mail.from; set one");
        String type = ContentTypes.detect(name, draft.head(SNIFF));
        DataSource content = draft.dataSource(type); // the file opened and checked above, not its name again
        AttachmentResolver.ResolvedAttachment file = new AttachmentResolver.ResolvedAttachment(
                name, type, content, draft.size(), false, null);
        String subject = defaults != null && defaults.subject() != null ? defaults.subject() : name;
        return envelope.build(new EnvelopeComposer.Parts(from, to, List.of(), List.of(), List.of(), subject,
                name + " is attached.", null, List.of(file), Map.of(), null, null));
    }

    ComposeSettings settings() {
        return settings;
    }

    /** The route step (send-draft): the body, a {@link Draft}, {@linkplain #compose composed} into its message. */
    @Override
    public void process(Exchange exchange) throws InvalidDraftException, InvalidPayloadException {
        exchange.getMessage().setBody(compose(exchange.getMessage().getMandatoryBody(Draft.class)));
    }
}
