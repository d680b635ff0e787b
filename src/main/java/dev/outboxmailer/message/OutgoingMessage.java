package dev.outboxmailer.message;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.activation.DataHandler;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * A message on its way out: the MIME message, who it goes to on the SMTP envelope, and, once the
 * server has answered, what it accepted. Compose makes it; deliver sends it and records the answer;
 * outcome writes the receipt from it.
 *
 * <p>An Angus {@link SMTPMessage}, so that the envelope sender (MAIL FROM) and the DSN requests are the message's
 * own (SPEC §11), never a session property changed per message.
 */
public class OutgoingMessage extends SMTPMessage {

    private final boolean asWritten;
    private List<InternetAddress> envelopeRecipients = List.of();
    private List<String> signedHeaderNames = List.of();
    private volatile boolean sealed;
    private volatile DeliveryReport report;
    private volatile String envelopeId;

    /** A message built field by field; {@link #saveChanges()} encodes it as usual. */
    public OutgoingMessage(Session session) {
        super(session);
        this.asWritten = false;
        this.headers = new Headers();
    }

    /**
     * A finished message read from bytes and sent exactly as written: headers keep their order and
     * folding, the body its bytes. Headers may still be added (Date, Message-ID, From where missing).
     */
    public OutgoingMessage(Session session, InputStream rfc5322) throws MessagingException {
        super(session, rfc5322);
        this.asWritten = true;
        this.saved = true; // never re-encode: writeTo must emit the body bytes it parsed
    }

    public boolean isAsWritten() {
        return asWritten;
    }

    @Override
    public void saveChanges() throws MessagingException {
        if (!asWritten && !sealed) {
            super.saveChanges();
        }
    }

    @Override
    protected InternetHeaders createInternetHeaders(InputStream is) throws MessagingException {
        return new Headers(is);
    }

    /**
     * Puts a header line (name, colon, value, folded with CRLF + whitespace where long) above all others, as a
     * {@code DKIM-Signature} is placed; the other lines keep their order and bytes.
     */
    public void prependHeaderLine(String line) {
        requireNotSealed();
        ((Headers) headers).prepend(line);
    }

    /**
     * Freezes the message once it is signed: from now on no header and no content can change (saveChanges does
     * nothing, every setter refuses), so the bytes sent are the bytes signed.
     */
    public void seal() {
        this.sealed = true;
    }

    public boolean isSealed() {
        return sealed;
    }

    /** Header names the draft itself added (an envelope's {@code headers}): DKIM signs them too. */
    public List<String> signedHeaderNames() {
        return signedHeaderNames;
    }

    public void setSignedHeaderNames(List<String> names) {
        this.signedHeaderNames = List.copyOf(names);
    }

    @Override
    public void setHeader(String name, String value) throws MessagingException {
        requireNotSealed();
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) throws MessagingException {
        requireNotSealed();
        super.addHeader(name, value);
    }

    @Override
    public void addHeaderLine(String line) throws MessagingException {
        requireNotSealed();
        super.addHeaderLine(line);
    }

    @Override
    public void removeHeader(String name) throws MessagingException {
        requireNotSealed();
        super.removeHeader(name);
    }

    @Override
    public void setDataHandler(DataHandler dh) throws MessagingException {
        requireNotSealed();
        super.setDataHandler(dh);
    }

    private void requireNotSealed() {
        if (sealed) {
            throw new IllegalStateException("the message is DKIM-signed: changing it now would break its signature");
        }
    }

    /** The header list, with a way to put a line on top. */
    private static final class Headers extends InternetHeaders {
        Headers() {
            super();
        }

        Headers(InputStream in) throws MessagingException {
            super(in, false);
        }

        void prepend(String line) {
            headers.add(0, new InternetHeader(line));
        }
    }

    /** Keeps a Message-ID set by the composer instead of inventing one on the JVM host's name. */
    @Override
    protected void updateMessageID() throws MessagingException {
        if (getHeader("Message-ID") == null) {
            super.updateMessageID();
        }
    }

    /** To + Cc + Bcc, de-duplicated: where the server is asked to deliver (RCPT TO). */
    public List<InternetAddress> envelopeRecipients() {
        return envelopeRecipients;
    }

    public void setEnvelopeRecipients(List<InternetAddress> recipients) {
        this.envelopeRecipients = List.copyOf(Objects.requireNonNull(recipients));
    }

    public Address[] envelopeRecipientArray() {
        return envelopeRecipients.toArray(new Address[0]);
    }

    /**
     * The token naming this message on the SMTP envelope (SPEC §11): sent as {@code ENVID} where the server offers
     * DSN, and in a VERP return path; null when none is used. xtext-safe (letters and digits).
     */
    public String envelopeId() {
        return envelopeId;
    }

    public void setEnvelopeId(String envelopeId) {
        this.envelopeId = envelopeId;
    }

    /** The server's answer, or null before it was sent. */
    public DeliveryReport report() {
        return report;
    }

    public void recordDelivery(DeliveryReport report) {
        this.report = report;
    }
}
