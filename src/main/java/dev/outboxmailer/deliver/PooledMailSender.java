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
    /** Guards the turns: {@code free}, {@code waiting}, {@code idle} and each connection's rider. */
    private final Object lock = new Object();
    /** Turns free: connections that may still be taken (idle, or opened) without waiting. */
    private int free;
    /** Messages waiting for a turn, first come first served. */
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private final Deque<Connection> idle = new ArrayDeque<>();
    private volatile boolean closed;

    public PooledMailSender(SmtpSettings settings) {
        this(settings, null);
    }

    /** A sender that logs in with {@code AUTH XOAUTH2} and a token from {@code tokens} for each new connection. */
    public PooledMailSender(SmtpSettings settings, TokenSource tokens) {
        this.settings = settings;
        this.tokens = tokens;
        this.free = settings.connections();
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
        Connection connection = turn(outgoing);
        boolean sent = false;
        try {
            if (connection == null) {
                connection = borrow();
            }
            envelopeId(outgoing, connection.transport);
            try {
                if (connection.transport instanceof PipeliningTransport pipelining) {
                    pipelining.sendMessage(outgoing, outgoing.envelopeRecipientArray(), connection);
                } else {
                    connection.transport.sendMessage(outgoing, outgoing.envelopeRecipientArray());
                }
                outgoing.recordDelivery(report(outgoing.envelopeRecipients(), List.of()));
            } catch (SendFailedException partial) {
                if (!acceptedSome(partial)) {
                    throw partial;
                }
                // the server took the message for some recipients: that is a delivery, with exceptions
                outgoing.recordDelivery(report(Arrays.asList(partial.getValidSentAddresses()), rejections(partial)));
            }
            connection.messages++;
            sent = true;
        } finally {
            if (sent) {
                handOn(connection);
            } else if (connection != null) {
                connection.closeQuietly(); // one that failed mid-send is not reused
                lost(connection);
            } else {
                synchronized (lock) {
                    passTurn(); // no connection could be opened: the next message tries
                }
            }
        }
    }

    /**
     * Waits for this message's turn: returns the connection handed to it (the message before on it carried its
     * opening), or null when it may take a connection of its own (idle, or a new one).
     */
    private Connection turn(OutgoingMessage message) {
        boolean interrupted = false;
        synchronized (lock) {
            try {
                if (free > 0 && waiting.isEmpty()) {
                    free--;
                    return null;
                }
                Waiter me = new Waiter(message);
                waiting.addLast(me);
                while (!me.mayOpen && me.handed == null) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // a send in progress is not abandoned half-way
                    }
                }
                return me.handed;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * The turn passes on after a message was sent on this connection: to the message whose opening rode behind it,
     * else to the first one waiting (the connection goes idle, for it to take).
     */
    private void handOn(Connection c) {
        c.lastUsed = System.currentTimeMillis();
        synchronized (lock) {
            Waiter rider = c.rider;
            c.rider = null;
            if (rider != null) {
                rider.handed = c;
                lock.notifyAll();
                return;
            }
            if (!closed) {
                idle.addFirst(c); // most recently used first: the others age out
            }
            passTurn();
        }
        if (closed) {
            c.closeQuietly();
        }
    }

    /** As {@link #handOn(Connection)} after a failure: the connection is gone, and with it its rider's opening. */
    private void lost(Connection gone) {
        synchronized (lock) {
            Waiter rider = gone.rider;
            gone.rider = null;
            if (rider != null) {
                rider.mayOpen = true; // its opening went with the connection; it opens another
                lock.notifyAll();
            } else {
                passTurn();
            }
        }
    }

    private void passTurn() {
        Waiter first = waiting.pollFirst();
        if (first == null) {
            free++;
        } else {
            first.mayOpen = true;
            lock.notifyAll();
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
            synchronized (lock) {
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
        synchronized (lock) {
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(Connection::closeQuietly);
    }

    /** A message waiting for its turn on a connection. */
    private static final class Waiter {
        final OutgoingMessage message;
        /** It may take a connection of its own. */
        boolean mayOpen;
        /** The connection handed to it, with its opening on the wire. */
        Connection handed;

        Waiter(OutgoingMessage message) {
            this.message = message;
        }
    }

    private final class Connection implements PipeliningTransport.NextMessage {
        final Transport transport;
        long lastUsed = System.currentTimeMillis();
        int messages;
        /** The message whose opening rides behind the one being sent; guarded by {@code lock}. */
        Waiter rider;

        Connection(Transport transport) {
            this.transport = transport;
        }

        /** The first message waiting, bound to this connection now, unless it is due to be replaced. */
        @Override
        public MimeMessage take() {
            synchronized (lock) {
                if (closed || rider != null || messages + 2 > MAX_MESSAGES_PER_CONNECTION) {
                    return null;
                }
                Waiter first = waiting.pollFirst();
                if (first == null) {
                    return null;
                }
                rider = first;
                envelopeId(first.message, transport); // as it would be set when it is sent here
                return first.message;
            }
        }

        @Override
        public void giveBack() {
            synchronized (lock) {
                if (rider != null) {
                    waiting.addFirst(rider);
                    rider = null;
                }
            }
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
