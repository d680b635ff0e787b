package dev.outboxmailer.support;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;

/**
 * A real SMTPS server (GreenMail) on loopback presenting the test certificate for {@code localhost}.
 * Every message it accepts can be read back as the recipient sees it.
 */
public final class SmtpsServer implements AutoCloseable {
    private final GreenMailConfiguration configuration;
    private GreenMail greenMail;
    private int port;

    private SmtpsServer(GreenMailConfiguration configuration) {
        TestCertificates.install();
        this.configuration = configuration;
        start(0);
    }

    private void start(int port) {
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS);
        greenMail = new GreenMail(setup).withConfiguration(configuration);
        greenMail.start();
        this.port = greenMail.getSmtps().getPort();
    }

    /** Stops the server (the port closes) until {@link #restart()}. */
    public void stop() {
        greenMail.stop();
    }

    /**
     * Starts the server again on the port it had. The port may be a moment from free (a server that had it
     * just closed): tried again for up to 10 s.
     */
    public void restart() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                start(port);
                return;
            } catch (IllegalStateException notYet) {
                greenMail.stop();
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw notYet;
                }
            }
        }
    }

    /** A server that accepts mail without a login. */
    public static SmtpsServer open() {
        return new SmtpsServer(GreenMailConfiguration.aConfig().withDisabledAuthentication());
    }

    /** A server that requires this login. */
    public static SmtpsServer withLogin(String user, String password) {
        return new SmtpsServer(GreenMailConfiguration.aConfig().withUser(user, password));
    }

    public int port() {
        return port;
    }

    public MimeMessage[] received() {
        return greenMail.getReceivedMessages();
    }

    /** Waits until {@code count} messages (one per recipient) have arrived. */
    public List<MimeMessage> awaitMessages(int count) {
        if (!greenMail.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), count)) {
            throw new AssertionError("expected " + count + " message(s), got " + received().length);
        }
        return List.of(received());
    }

    public void reset() throws Exception {
        greenMail.purgeEmailFromAllMailboxes();
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
