package dev.outboxmailer.message;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * A message on its way out: the MIME message, who it goes to on the SMTP envelope, and, once the
 * server has answered, what it accepted. Compose makes it; deliver sends it and records the answer;
 * outcome writes the receipt from it.
 */
public class OutgoingMessage extends MimeMessage {

    private final boolean asWritten;
    private List<InternetAddress> envelopeRecipients = List.of();
    private volatile DeliveryReport report;

    /** A message built field by field; {@link #saveChanges()} encodes it as usual. */
    public OutgoingMessage(Session session) {
        super(session);
        this.asWritten = false;
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
        if (!asWritten) {
            super.saveChanges();
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

    /** The server's answer, or null before it was sent. */
    public DeliveryReport report() {
        return report;
    }

    public void recordDelivery(DeliveryReport report) {
        this.report = report;
    }
}
