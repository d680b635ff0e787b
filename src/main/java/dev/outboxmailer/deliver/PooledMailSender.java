package dev.outboxmailer.deliver;

import dev.outboxmailer.deliver.oauth.TokenSource;
import dev.outboxmailer.deliver.oauth.XOAuth2Login;
import dev.outboxmailer.message.DeliveryReport;
import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import org.apache.camel.component.mail.JavaMailSender;
import org.apache.camel.component.mail.MailAuthenticator;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link JavaMailSender} behind the mail endpoint ({@code javaMailSender=#smtpSender}). Unlike
 * camel-mail's default, which opens, authenticates and closes a connection for every message, it keeps
 * up to {@code smtp.connections} authenticated connections open and reuses them: a connection idle for
 * longer than {@link #CHECK_AFTER_IDLE_MS} is checked with NOOP before reuse, one idle for longer than
 * {@link #CLOSE_AFTER_IDLE_MS} or used for {@link #MAX_MESSAGES_PER_CONNECTION} messages is replaced,
 * and one that failed mid-send is discarded (the failure is reported, so the draft is retried).
 */
public class PooledMailSender implements JavaMailSender, AutoCloseable {
    static final long CHECK_AFTER_IDLE_MS = 2_000;
    static final long CLOSE_AFTER_IDLE_MS = 60_000;
    static final int MAX_MESSAGES_PER_CONNECTION = 500;

    private static final Logger LOG = LoggerFactory.getLogger(PooledMailSender.class);

    private final SmtpSettings settings;
    /** For {@code smtp.auth=xoauth2}: the access tokens of the logins; null for a password login. */
    private final TokenSource tokens;
    private Session session;
    private final Semaphore permits;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private volatile boolean closed;

    public PooledMailSender(SmtpSettings settings) {
        this(settings, null);
    }

    /** A sender that logs in with {@code AUTH XOAUTH2} and a token from {@code tokens} for each new connection. */
    public PooledMailSender(SmtpSettings settings, TokenSource tokens) {
        this.settings = settings;
        this.tokens = tokens;
        this.permits = new Semaphore(settings.connections(), true);
    }

    /**
     * Builds the TLS trust and mail session now, on a background thread, so that start-up does not wait
     * for it (loading the JDK's CA certificates takes a noticeable part of a second); the first send
     * waits for it if it is not done yet.
     */
    public void prepareInBackground() {
        TrustedCertificates.requireLoadable(settings.trustStore()); // a bad file is a start-up error
        Thread t = new Thread(this::session, "smtp-session-setup");
        t.setDaemon(true);
        t.start();
    }

    private synchronized Session session() {
        if (session == null) {
            session = SmtpSessions.create(settings, tokens != null);
        }
        return session;
    }

    public SmtpSettings settings() {
        return settings;
    }

    @Override
    public void send(MimeMessage message) throws MessagingException {
        if (!(message instanceof OutgoingMessage outgoing)) {
            throw new MessagingException("only composed drafts are sent (got " + message.getClass().getName() + ")");
        }
        permits.acquireUninterruptibly();
        Connection connection = null;
        try {
            connection = borrow();
            envelopeId(outgoing, connection.transport);
            try {
                connection.transport.sendMessage(outgoing, outgoing.envelopeRecipientArray());
                outgoing.recordDelivery(report(outgoing.envelopeRecipients(), List.of()));
            } catch (SendFailedException partial) {
                if (!acceptedSome(partial)) {
                    throw partial;
                }
                // the server took the message for some recipients: that is a delivery, with exceptions
                outgoing.recordDelivery(report(Arrays.asList(partial.getValidSentAddresses()), rejections(partial)));
            }
            connection.messages++;
            release(connection);
            connection = null;
        } finally {
            if (connection != null) {
                connection.closeQuietly();
            }
            permits.release();
        }
    }

    /**
     * SPEC §11: {@code ENVID=<token>} goes on MAIL FROM only where this server offers DSN (Angus adds a mail
     * extension whatever the server says; NOTIFY and RET it adds only where DSN is offered).
     */
    private static void envelopeId(OutgoingMessage outgoing, Transport transport) {
        String envid = outgoing.envelopeId();
        boolean dsn = transport instanceof SMTPTransport smtp && smtp.supportsExtension("DSN");
        outgoing.setMailExtension(envid != null && dsn && envid.matches("[A-Za-z0-9]{1,100}") ? "ENVID=" + envid : null);
    }

    /** Opens one connection and closes it: proves the server is reachable, trusted and takes our login. */
    public void verify() throws MessagingException {
        open().closeQuietly();
    }

    private Connection borrow() throws MessagingException {
        long now = System.currentTimeMillis();
        while (true) {
            Connection c;
            synchronized (idle) {
                c = idle.pollFirst();
            }
            if (c == null) {
                return open();
            }
            long idleFor = now - c.lastUsed;
            if (idleFor > CLOSE_AFTER_IDLE_MS || c.messages >= MAX_MESSAGES_PER_CONNECTION) {
                c.closeQuietly();
            } else if (idleFor <= CHECK_AFTER_IDLE_MS || c.transport.isConnected()) { // isConnected sends NOOP
                return c;
            } else {
                c.closeQuietly();
            }
        }
    }

    private void release(Connection c) {
        c.lastUsed = System.currentTimeMillis();
        if (closed) {
            c.closeQuietly();
            return;
        }
        synchronized (idle) {
            idle.addFirst(c); // most recently used first: the others age out
        }
    }

    private Connection open() throws MessagingException {
        Transport transport = tokens != null
                ? XOAuth2Login.open(tokens, settings.username(), this::connect)
                : connect(settings.password());
        LOG.debug("Opened SMTP connection to {}", settings.describe());
        return new Connection(transport);
    }

    /** A new connection, logged in with this secret (a password or an access token) where the settings log in. */
    private Transport connect(String secret) throws MessagingException {
        Transport transport = session().getTransport("smtp");
        if (settings.authenticates()) {
            transport.connect(settings.host(), settings.port(), settings.username(), secret);
        } else {
            transport.connect(settings.host(), settings.port(), null, null);
        }
        return transport;
    }

    private static boolean acceptedSome(SendFailedException e) {
        Address[] valid = e.getValidSentAddresses();
        return valid != null && valid.length > 0;
    }

    private static DeliveryReport report(List<? extends Address> accepted, List<DeliveryReport.Rejection> rejected) {
        return new DeliveryReport(accepted.stream().map(PooledMailSender::bare).toList(), rejected);
    }

    /** The address alone, without a display name: {@code jane@example.org}. */
    private static String bare(Address address) {
        return address instanceof InternetAddress a ? a.getAddress() : address.toString();
    }

    private static List<DeliveryReport.Rejection> rejections(SendFailedException e) {
        List<DeliveryReport.Rejection> rejected = new ArrayList<>(Refusals.of(e));
        if (rejected.isEmpty() && e.getInvalidAddresses() != null) {
            for (Address a : e.getInvalidAddresses()) {
                rejected.add(new DeliveryReport.Rejection(bare(a), 550, "refused by the server"));
            }
        }
        return rejected;
    }

    @Override
    public void close() {
        closed = true;
        List<Connection> all;
        synchronized (idle) {
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(Connection::closeQuietly);
    }

    private static final class Connection {
        final Transport transport;
        long lastUsed = System.currentTimeMillis();
        int messages;

        Connection(Transport transport) {
            this.transport = transport;
        }

        void closeQuietly() {
            try {
                transport.close(); // QUIT
            } catch (MessagingException | RuntimeException e) {
                LOG.debug("Closing an SMTP connection failed: {}", e.getMessage());
            }
        }
    }

    // --- JavaMailSender: camel-mail's view of a sender. Settings come from the smtp.* keys only. ---

    @Override
    public Session getSession() {
        return session();
    }

    @Override
    public Properties getJavaMailProperties() {
        return session().getProperties();
    }

    @Override
    public String getHost() {
        return settings.host();
    }

    @Override
    public int getPort() {
        return settings.port();
    }

    @Override
    public String getUsername() {
        return settings.username();
    }

    @Override
    public String getPassword() {
        return null; // never handed out
    }

    @Override
    public String getProtocol() {
        return "smtp";
    }

    @Override
    public MailAuthenticator getAuthenticator() {
        return null;
    }

    @Override
    public void setJavaMailProperties(Properties javaMailProperties) {
        refuse("javaMailProperties");
    }

    @Override
    public void addAdditionalJavaMailProperty(String key, String value) {
        refuse(key);
    }

    @Override
    public void setHost(String host) {
        refuse("host");
    }

    @Override
    public void setPort(int port) {
        refuse("port");
    }

    @Override
    public void setUsername(String username) {
        refuse("username");
    }

    @Override
    public void setPassword(String password) {
        refuse("password");
    }

    @Override
    public void setProtocol(String protocol) {
        refuse("protocol");
    }

    @Override
    public void setSession(Session session) {
        refuse("session");
    }

    @Override
    public void setAuthenticator(MailAuthenticator authenticator) {
        refuse("authenticator");
    }

    /** Transport settings come from configuration only (SPEC §7): nothing at run time may change them. */
    private static void refuse(String what) {
        throw new UnsupportedOperationException(
                "the SMTP transport is configured by the smtp.* settings only; refusing to change " + what);
    }
}
