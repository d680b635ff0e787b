package dev.outboxmailer.deliver;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Provider;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP transport with SMTP PIPELINING (RFC 2920) where the server offers it: {@code MAIL FROM},
 * every {@code RCPT TO} and {@code DATA} go out as one group, and their replies are then read in order, so a
 * message costs two round trips (the group, then the content) instead of three plus one per recipient.
 *
 * <p>Angus itself still does all the work and bookkeeping (which recipients were accepted, refused or
 * deferred; partial sends; RSET after a failure): this class only changes when commands are written. When
 * Angus sends {@code MAIL FROM}, the rest of the group — the {@code RCPT TO} commands Angus is about to send,
 * built the same way, and {@code DATA} — is written right behind it; when Angus then "sends" those commands,
 * they are already on their way, and each reply Angus reads is the reply to the command it thinks it just sent
 * (replies come back in command order). When Angus gives up half-way (MAIL FROM refused, no recipient
 * accepted) and resets, the replies still owed are read first, so nothing is attributed to the wrong command;
 * should the server answer DATA with {@code 354} then, the connection is dropped rather than ending a message
 * (an empty one could reach a recipient it accepted). A command that is not the one expected (never, unless
 * Angus changes) closes the connection as a transient failure: the draft is tried again.
 *
 * <p>Messages back to back on one connection share a round trip too (RFC 2920 lets message content open a
 * group): when a message waits for this connection ({@link NextMessage}), its opening group is written right
 * behind the end of the message before it ({@code .}), so the server answers both at once. The message before
 * still reads its own reply (the first one back) before it counts as sent; the next one, handed this connection,
 * then reads the replies to its opening in order. When it never comes to that (the message before failed, the
 * connection is closed) the server has seen MAIL, RCPT and DATA but no content, and the connection is dropped
 * without QUIT: a message never ended is never delivered. An opening that is not what Angus then sends (never,
 * unless Angus changes how it builds MAIL FROM) is handled as any command out of step.
 *
 * <p>Not pipelined: messages with group addresses, messages naming a submitter ({@code AUTH=}), and {@code BDAT}
 * ({@code mail.smtp.chunksize}), which this mailer does not use.
 */
public class PipeliningTransport extends SMTPTransport {

    /** This transport as the session's provider for {@code smtp}. */
    static void use(Session session) throws jakarta.mail.NoSuchProviderException {
        Provider provider = new Provider(Provider.Type.TRANSPORT, "smtp", PipeliningTransport.class.getName(),
                "outbox-mailer", "1");
        session.addProvider(provider);
        session.setProvider(provider);
    }

    /** Commands written whose replies Angus has not asked for yet, oldest first. */
    private final Deque<String> ahead = new ArrayDeque<>();
    /** The recipients of the message being sent, while it may be pipelined; null otherwise. */
    private Address[] pipelineFor;
    /** {@code NOTIFY=} for its RCPT TO commands, as Angus adds it; null for none. */
    private String notify;
    /** Where a message waiting for this connection is found, while one is sent; null when none may follow. */
    private NextMessage next;
    /** The opening of the next message, written behind the end of the last one; null when none is on the wire. */
    private List<String> openingOnWire;

    /**
     * The message that is to follow the one being sent on this connection, asked for as that one's content ends.
     */
    public interface NextMessage {
        /** A message that waits for this connection and now is bound to it; null when none does. */
        MimeMessage take();

        /** The message taken cannot ride along here (it cannot be pipelined): it waits as before. */
        void giveBack();
    }

    public PipeliningTransport(Session session, URLName urlname) {
        super(session, urlname);
    }

    @Override
    public synchronized void sendMessage(Message message, Address[] addresses) throws MessagingException {
        sendMessage(message, addresses, null);
    }

    /** Sends the message; as its content ends, the opening of the message {@code next} finds rides behind it. */
    public synchronized void sendMessage(Message message, Address[] addresses, NextMessage next) throws MessagingException {
        pipelineFor = canPipeline(addresses) ? addresses : null;
        notify = dsnNotify(message);
        this.next = pipelineFor != null ? next : null;
        try {
            super.sendMessage(message, addresses);
        } finally {
            pipelineFor = null;
            this.next = null;
            ahead.clear(); // after an I/O failure the connection is closed: nothing more is read from it
        }
    }

    private boolean canPipeline(Address[] addresses) {
        if (addresses == null || addresses.length == 0 || !supportsExtension("PIPELINING")) {
            return false;
        }
        if (session.getProperty("mail.smtp.chunksize") != null && supportsExtension("CHUNKING")) {
            return false; // BDAT: not what this mailer configures, and not pipelined here
        }
        for (Address a : addresses) {
            if (!(a instanceof InternetAddress ia) || ia.isGroup()) {
                return false;
            }
        }
        return true;
    }

    /** As Angus's rcptTo(): only where the server offers DSN, from the message or else the session. */
    private String dsnNotify(Message message) {
        if (!supportsExtension("DSN")) {
            return null;
        }
        String n = message instanceof SMTPMessage m ? notify(m.getNotifyOptions()) : null;
        return n != null ? n : session.getProperty("mail.smtp.dsn.notify");
    }

    /** SMTPMessage's NOTIFY options as Angus spells them (its own getDSNNotify() is not public). */
    static String notify(int options) {
        if (options == 0) {
            return null;
        }
        if (options == SMTPMessage.NOTIFY_NEVER) {
            return "NEVER";
        }
        List<String> parts = new ArrayList<>();
        if ((options & SMTPMessage.NOTIFY_SUCCESS) != 0) {
            parts.add("SUCCESS");
        }
        if ((options & SMTPMessage.NOTIFY_FAILURE) != 0) {
            parts.add("FAILURE");
        }
        if ((options & SMTPMessage.NOTIFY_DELAY) != 0) {
            parts.add("DELAY");
        }
        return String.join(",", parts);
    }

    /**
     * Angus resets after a refused end of data; with the next message's opening behind it the server is in that
     * message's DATA, where RSET would be taken for content. Nothing is sent: the connection is marked to be
     * dropped (as it is after any failure), and the refusal is reported as the server gave it.
     */
    @Override
    public synchronized void issueCommand(String cmd, int expect) throws MessagingException {
        if (openingOnWire != null && cmd.equals("RSET")) {
            openingOnWire = null;
            inData = true;
            return;
        }
        super.issueCommand(cmd, expect);
    }

    @Override
    protected synchronized void sendCommand(String cmd) throws MessagingException {
        if (inData) {
            // the server waits for message content: any command would be taken for it; the connection is dropped
            throw outOfStep("the server is waiting for message content");
        }
        if (openingOnWire != null) {
            if (cmd.equals("QUIT")) {
                // the server waits in the next message's DATA: QUIT would be taken for content; drop the connection
                openingOnWire = null;
                inData = true;
                throw outOfStep("closed with the next message's opening unanswered");
            }
            ahead.addAll(openingOnWire); // its replies are owed before anything else: the first is MAIL FROM's
            openingOnWire = null;
        }
        if (cmd.equals(".") && next != null && ahead.isEmpty()) {
            NextMessage following = next;
            next = null;
            super.sendCommand(cmd);
            rideAlong(following);
            return;
        }
        if (!ahead.isEmpty()) {
            if (cmd.equals(ahead.peekFirst())) {
                ahead.removeFirst(); // already on its way: its reply is the next one to read
                return;
            }
            readRepliesOwed();
            if (!cmd.equals("RSET")) {
                super.sendCommand("RSET");
                super.readServerResponse();
                throw outOfStep(firstWord(cmd) + " came where another command was expected");
            }
        } else if (pipelineFor != null && cmd.startsWith("MAIL FROM:")) {
            List<String> group = recipientsAndData(pipelineFor, notify);
            pipelineFor = null;
            super.sendCommand(cmd);
            for (String c : group) {
                super.sendCommand(c);
            }
            ahead.addAll(group);
            return;
        }
        super.sendCommand(cmd);
    }

    /** Writes the opening of the message that waits for this connection, if any, right behind the end of data. */
    private void rideAlong(NextMessage following) throws MessagingException {
        MimeMessage m = following.take();
        if (m == null) {
            return;
        }
        List<String> opening = openingOf(m);
        if (opening == null) {
            following.giveBack();
            return;
        }
        openingOnWire = opening; // before writing: the connection now is the next message's or is dropped
        try {
            for (String c : opening) {
                super.sendCommand(c);
            }
        } catch (MessagingException e) {
            // not this message's failure: its end of data went out, and its reply decides its outcome; the next
            // message finds its replies missing and is tried again (it sent no content)
        }
    }

    /**
     * MAIL FROM, a RCPT TO per recipient and DATA, as Angus's sendMessage() would send them for this message on
     * this connection; null where this message is not pipelined or its MAIL FROM is not one built here.
     */
    List<String> openingOf(MimeMessage m) throws MessagingException {
        Address[] addresses = m instanceof dev.outboxmailer.message.OutgoingMessage o ? o.envelopeRecipientArray()
                : m.getAllRecipients();
        if (!(m instanceof SMTPMessage message) || !canPipeline(addresses)) {
            return null;
        }
        String from = message.getEnvelopeFrom();
        if (from == null || from.isEmpty()) {
            from = session.getProperty("mail.smtp.from");
        }
        if (from == null || from.isEmpty()) {
            Address[] fromHeader = message.getFrom();
            if (fromHeader == null || fromHeader.length == 0 || !(fromHeader[0] instanceof InternetAddress first)) {
                return null; // Angus would look for a local address: not ours to guess
            }
            from = first.getAddress();
        }
        StringBuilder mail = new StringBuilder("MAIL FROM:").append(angleBrackets(from));
        if (Boolean.parseBoolean(session.getProperty("mail.smtp.allowutf8")) && supportsExtension("SMTPUTF8")) {
            mail.append(" SMTPUTF8");
        }
        if (supportsExtension("DSN")) {
            String ret = switch (message.getReturnOption()) {
                case SMTPMessage.RETURN_FULL -> "FULL";
                case SMTPMessage.RETURN_HDRS -> "HDRS";
                default -> session.getProperty("mail.smtp.dsn.ret");
            };
            if (ret != null) {
                mail.append(" RET=").append(ret);
            }
        }
        if (supportsExtension("AUTH") && (message.getSubmitter() != null || session.getProperty("mail.smtp.submitter") != null)) {
            return null; // AUTH=<submitter> in xtext: left to Angus
        }
        String extension = message.getMailExtension();
        if (extension == null) {
            extension = session.getProperty("mail.smtp.mailextension");
        }
        if (extension != null && !extension.isEmpty()) {
            mail.append(' ').append(extension);
        }
        List<String> opening = new ArrayList<>();
        opening.add(mail.toString());
        opening.addAll(recipientsAndData(addresses, dsnNotify(message)));
        return opening;
    }

    /** A RCPT TO per recipient, built as Angus's rcptTo() builds them ({@code NOTIFY=} where given), then DATA. */
    private static List<String> recipientsAndData(Address[] recipients, String notify) {
        List<String> group = new ArrayList<>();
        for (Address a : recipients) {
            group.add("RCPT TO:" + angleBrackets(((InternetAddress) a).getAddress())
                    + (notify != null ? " NOTIFY=" + notify : ""));
        }
        group.add("DATA");
        return group;
    }

    /**
     * Reads (and drops) the replies to the commands written ahead that Angus will not ask for, because it is
     * giving up on this message (Angus keeps the reply that made it give up across the RSET that follows, for
     * its report). A {@code 354} to {@code DATA} here means the server waits for content that must not come:
     * ending it with "." could deliver an empty message to recipients it accepted, so the connection is dropped
     * instead (a message never ended is never delivered, RFC 5321 §4.1.1.4).
     */
    private void readRepliesOwed() throws MessagingException {
        while (!ahead.isEmpty()) {
            String command = ahead.removeFirst();
            int reply = super.readServerResponse();
            if (reply == -1) {
                ahead.clear();
                return;
            }
            if (command.equals("DATA") && reply == 354) {
                ahead.clear();
                inData = true;
                throw outOfStep("the server took DATA for a message given up");
            }
        }
    }

    /** Set once the server waits for content this transport will not send; the connection is then dropped. */
    private boolean inData;

    /** A failure that closes the connection (Angus closes it on an I/O cause, without QUIT); the draft is retried. */
    private static MessagingException outOfStep(String what) {
        return new MessagingException("SMTP pipelining: " + what,
                new IOException("SMTP pipelining out of step (" + what + "); the connection is closed"));
    }

    private static String angleBrackets(String address) {
        return !address.startsWith("<") && !address.endsWith(">") ? "<" + address + ">" : address;
    }

    private static String firstWord(String cmd) {
        int space = cmd.indexOf(' ');
        return space < 0 ? cmd : cmd.substring(0, space);
    }
}
