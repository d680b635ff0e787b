package dev.outboxmailer.compose;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A finished RFC 5322 message (SPEC §4.1), sent as written: header lines keep their order and folding
 * and the body its bytes, so signatures survive. Only where missing are Date, Message-ID and From
 * added. Envelope recipients are To + Cc + Bcc; the Bcc header is removed so no way of writing the
 * message can transmit it.
 */
final class EmlComposer {

    private static final List<String> ADDRESS_HEADERS = List.of("From", "Sender", "Reply-To", "To", "Cc", "Bcc");

    /** The most header bytes an .eml may have before its blank line: they are parsed in memory. */
    static final int MAX_HEADER_BLOCK = 1024 * 1024;

    private final Session session;
    private final ComposeSettings settings;

    EmlComposer(Session session, ComposeSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    OutgoingMessage compose(Draft draft) throws InvalidDraftException {
        requireHeaderBlockWithin(draft, MAX_HEADER_BLOCK);
        OutgoingMessage message;
        try {
            message = new OutgoingMessage(session, draft.open());
        } catch (MessagingException e) {
            throw new InvalidDraftException("the .eml file cannot be read as an email message: " + e.getMessage(), e);
        }
        try {
            for (String header : ADDRESS_HEADERS) {
                Addresses.parseHeader(header, message.getHeader(header, ","));
            }
            List<InternetAddress> recipients = new ArrayList<>();
            recipients.addAll(Addresses.parseHeader("To", message.getHeader("To", ",")));
            recipients.addAll(Addresses.parseHeader("Cc", message.getHeader("Cc", ",")));
            recipients.addAll(Addresses.parseHeader("Bcc", message.getHeader("Bcc", ",")));
            if (recipients.isEmpty()) {
                throw new InvalidDraftException("the .eml has no recipients: it needs a To, Cc or Bcc header with at least one address");
            }

            InternetAddress from = fromOf(message);
            if (message.getHeader("Date") == null) {
                message.setSentDate(new Date());
            }
            if (message.getHeader("Message-ID") == null) {
                message.setHeader("Message-ID", MessageIds.newFor(from));
            }
            message.removeHeader("Bcc");
            message.setEnvelopeRecipients(Addresses.distinct(recipients));
        } catch (MessagingException e) {
            throw new InvalidDraftException("the .eml file cannot be read as an email message: " + e.getMessage(), e);
        }
        if (mayExceed(draft.size(), settings.maxSizeBytes())) {
            SizeLimit.requireWithin(message, settings.maxSizeBytes());
        }
        return message;
    }

    /**
     * Whether an .eml of {@code size} bytes may encode to more than {@code max}: encoded, it is its header lines
     * (each then ending in CRLF: at most twice as long as written), its body (as written, or at worst re-encoded
     * as quoted-printable, about three times as long) and the few headers added here. A draft far below the
     * limit is not encoded once more just to be measured; it is encoded when it is sent.
     */
    static boolean mayExceed(long size, long max) {
        return size > (max - 64 * 1024) / 4;
    }

    /**
     * Refuses an .eml whose header block (up to the first blank line) is longer than {@code max} bytes: the
     * headers are held in memory as they are parsed, the body is not. Only the first {@code max} bytes are read.
     */
    static void requireHeaderBlockWithin(Draft draft, int max) throws InvalidDraftException {
        if (draft.size() <= max) {
            return;
        }
        byte[] head = draft.head(max);
        if (head.length > 0 && (head[0] == '\n' || (head[0] == '\r' && head.length > 1 && head[1] == '\n'))) {
            return; // no headers at all
        }
        for (int i = 0; i + 1 < head.length; i++) {
            if (head[i] == '\n' && (head[i + 1] == '\n' || (head[i + 1] == '\r' && i + 2 < head.length && head[i + 2] == '\n'))) {
                return;
            }
        }
        throw new InvalidDraftException(String.format("the header block of the .eml is over %s: no blank line ends it "
                + "within its first %s (a message's headers are a few KB; the body follows a blank line)",
                SizeLimit.human(max), SizeLimit.human(max)));
    }

    /** The message's own From, or mail.from written into it where it has none. */
    private InternetAddress fromOf(OutgoingMessage message) throws MessagingException, InvalidDraftException {
        String written = message.getHeader("From", ",");
        if (written != null) {
            List<InternetAddress> from = Addresses.parseHeader("From", written);
            if (from.isEmpty()) {
                throw new InvalidDraftException("the From header of the .eml has no address");
            }
            return from.get(0);
        }
        if (settings.defaultFrom() == null) {
            throw new InvalidDraftException("no From: the .eml has no From header and mail.from is not set in the configuration");
        }
        InternetAddress from = Addresses.utf8(settings.defaultFrom());
        message.setFrom(from);
        return from;
    }
}
