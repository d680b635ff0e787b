package dev.outboxmailer.support;

import com.icegreen.greenmail.store.MailFolder;
import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Flags;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

/**
 * The bounce mailbox: a real IMAPS and POP3S server (GreenMail) on loopback presenting the test certificate for
 * {@code localhost}, holding the mailbox {@code bounces@example.com} (login {@link #USER} / {@link #PASSWORD}).
 * Reports are put into it as an MTA delivers them; what is left in it, and its flags, can be read back.
 */
public final class BounceMailbox implements AutoCloseable {
    public static final String USER = "bounces";
    public static final String PASSWORD = "mailbox-secret-42";
    private GreenMail greenMail;
    private GreenMailUser user;
    private int imaps;
    private int pop3s;

    public BounceMailbox() {
        TestCertificates.install();
        start(0, 0);
    }

    private void start(int imapsPort, int pop3sPort) {
        greenMail = new GreenMail(new ServerSetup[] {
                new ServerSetup(imapsPort, "127.0.0.1", ServerSetup.PROTOCOL_IMAPS),
                new ServerSetup(pop3sPort, "127.0.0.1", ServerSetup.PROTOCOL_POP3S)});
        greenMail.start();
        user = greenMail.setUser("bounces@example.com", USER, PASSWORD);
        imaps = greenMail.getImaps().getPort();
        pop3s = greenMail.getPop3s().getPort();
    }

    public String imapsUrl() {
        return "imaps://localhost:" + imaps;
    }

    public String pop3sUrl() {
        return "pop3s://localhost:" + pop3s;
    }

    /** Delivers the raw message (CRLF or LF lines) into the mailbox. */
    public void deliver(String raw) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
        user.deliver(message);
    }

    public List<StoredMessage> messages() throws Exception {
        MailFolder inbox = greenMail.getManagers().getImapHostManager().getInbox(user);
        return inbox.getMessages();
    }

    /** The subjects of the messages still unread. */
    public List<String> unread() throws Exception {
        return messages().stream().filter(m -> !m.getFlags().contains(Flags.Flag.SEEN)).map(m -> {
            try {
                return m.getMimeMessage().getSubject();
            } catch (Exception e) {
                return "?";
            }
        }).toList();
    }

    public void stop() {
        greenMail.stop();
    }

    /** Starts again on the same ports, the mailbox empty. */
    public void restart() {
        start(imaps, pop3s);
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
