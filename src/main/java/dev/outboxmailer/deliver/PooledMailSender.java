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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.camel.component.mail.JavaMailSender;
import org.apache.camel.component.mail.MailAuthenticator;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link JavaMailSender} behind the mail endpoint ({@code javaMailSender=#smtpSender}). Unlike
 * camel-mail's default, which opens, authenticates and closes a connection for every message, it keeps
 * up to {@code smtp.connections} authenticated connections open and reuses them, each driven by a thread of
 * its own that takes the waiting messages in turn (the one idle for the shortest time first, so a quiet mailer
 * keeps one warm connection): a connection idle for longer than {@link #CHECK_AFTER_IDLE_MS} is checked with
 * NOOP before reuse, one idle for longer than {@link #CLOSE_AFTER_IDLE_MS} is closed, one used for
 * {@link #MAX_MESSAGES_PER_CONNECTION} messages is replaced, and one that failed mid-send is discarded (the
 * failure is reported, so the draft is retried).
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
    /** Guards {@code queue}, {@code idleSenders} and {@code senders}. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Messages waiting to be sent, first come first served. */
    private final Deque<Job> queue = new ArrayDeque<>();
    /** Connection threads waiting for a message, the one idle for the shortest time first (its connection is warm). */
    private final Deque<ConnectionThread> idleSenders = new ArrayDeque<>();
    /** Connection threads running: at most {@code smtp.connections}, each with at most one connection. */
    private int senders;
    /** Signalled when a connection thread ends. */
    private final Condition ended = lock.newCondition();
    /** How long {@link #close()} waits for the connections to finish and QUIT. */
    static final long CLOSE_WAIT_MS = 5_000;
    private volatile boolean closed;

    public PooledMailSender(SmtpSettings settings) {
        this(settings, null);
    }

    /** A sender that logs in with {@code AUTH XOAUTH2} and a token from {@code tokens} for each new connection. */
    public PooledMailSender(SmtpSettings settings, TokenSource tokens) {
        this.settings = settings;
        this.tokens = tokens;
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

    /**
     * Sends the message on one of the connections and returns once the server accepted it (or throws what
     * refused it). The connections are each driven by a thread of their own, which takes the messages waiting in
     * turn: while it sends one, the opening of the next rides behind its end (PipeliningTransport), and it goes
     * straight on to that one, so a busy connection never waits for a caller's thread to be scheduled.
     */
    @Override
    public void send(MimeMessage message) throws MessagingException {
        if (!(message instanceof OutgoingMessage outgoing)) {
            throw new MessagingException("only composed drafts are sent (got " + message.getClass().getName() + ")");
        }
        Job job = new Job(outgoing);
        lock.lock();
        try {
            queue.addLast(job);
            ConnectionThread idle = idleSenders.pollFirst();
            if (idle != null) {
                idle.wakeUp.signal();
            } else if (senders < settings.connections()) {
                senders++;
                new ConnectionThread(senders).start();
            }
        } finally {
            lock.unlock();
        }
        job.await();
    }

    /** A message to send, and its outcome once sent. */
    private static final class Job {
        final OutgoingMessage message;
        private final CountDownLatch done = new CountDownLatch(1);
        private Throwable failure;

        Job(OutgoingMessage message) {
            this.message = message;
        }

        void finish(Throwable failure) {
            this.failure = failure;
            done.countDown();
        }

        /** Waits for the outcome (a send in progress is not abandoned half-way: interrupts wait till it is over). */
        void await() throws MessagingException {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure instanceof MessagingException m) {
                throw m;
            } else if (failure instanceof RuntimeException r) {
                throw r;
            } else if (failure instanceof Error e) {
                throw e;
            } else if (failure != null) {
                throw new MessagingException("sending failed: " + failure, failure instanceof Exception e ? e : null);
            }
        }
    }

    /** One connection's thread: it opens the connection, sends the messages it takes on it, replaces it when due. */
    private final class ConnectionThread extends Thread {
        final Condition wakeUp = lock.newCondition();
        private Connection connection;

        ConnectionThread(int n) {
            super("smtp-connection-" + n);
            setDaemon(true);
        }

        @Override
        public void run() {
            Job job = null;
            while (true) {
                if (job == null) {
                    job = next();
                    if (job == null) {
                        if (connection != null) {
                            connection.closeQuietly(); // idle for CLOSE_AFTER_IDLE_MS, or the sender closed
                        }
                        return;
                    }
                }
                job = send(job);
            }
        }

        /** The next message to send; null once idle for CLOSE_AFTER_IDLE_MS (or closed), when this thread ends. */
        private Job next() {
            long wait = TimeUnit.MILLISECONDS.toNanos(CLOSE_AFTER_IDLE_MS);
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (closed || wait <= 0) {
                        idleSenders.remove(this);
                        senders--;
                        ended.signalAll();
                        return null;
                    }
                    if (!idleSenders.contains(this)) {
                        idleSenders.addFirst(this);
                    }
                    try {
                        wait = wakeUp.awaitNanos(wait);
                    } catch (InterruptedException e) {
                        wait = 0;
                    }
                }
                idleSenders.remove(this);
                return queue.pollFirst();
            } finally {
                lock.unlock();
            }
        }

        /** Sends the job's message; returns the message whose opening rode behind it, to send next, or null. */
        private Job send(Job job) {
            Rider rider = null;
            try {
                try {
                    connection = usable(connection);
                } catch (MessagingException | RuntimeException cannotLogIn) {
                    connection = null;
                    if (Failure.of(cannotLogIn).kind() == Failure.Kind.OPERATOR) {
                        failWaiting(cannotLogIn); // a login per connection, not one per draft (a provider locks accounts)
                    }
                    throw cannotLogIn;
                }
                envelopeId(job.message, connection.transport);
                rider = new Rider(connection);
                OutgoingMessage outgoing = job.message;
                try {
                    if (connection.transport instanceof PipeliningTransport pipelining) {
                        pipelining.sendMessage(outgoing, outgoing.envelopeRecipientArray(), rider);
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
                connection.lastUsed = System.currentTimeMillis();
                job.finish(null);
                return rider.taken; // its opening is on the wire: it goes next, on this connection
            } catch (Throwable failure) {
                if (connection != null) {
                    connection.closeQuietly(); // one that failed mid-send is not reused
                    connection = null;
                }
                if (rider != null && rider.taken != null) {
                    putBack(rider.taken); // its opening went with the connection: it waits for another
                }
                job.finish(failure);
                return null;
            }
        }
    }

    /** The connection to send on: this one while it is fit, else a new one (after NOOP fails, when due, or none). */
    private Connection usable(Connection c) throws MessagingException {
        if (c != null) {
            long idleFor = System.currentTimeMillis() - c.lastUsed;
            if (c.messages < MAX_MESSAGES_PER_CONNECTION
                    && (idleFor <= CHECK_AFTER_IDLE_MS || c.transport.isConnected())) { // isConnected sends NOOP
                return c;
            }
            c.closeQuietly();
        }
        return open();
    }

    /**
     * Fails every message waiting with this operator problem (a refused login, an untrusted certificate): each is
     * held for the operator as the one that met it is, and none makes another attempt at the login.
     */
    private void failWaiting(Throwable problem) {
        List<Job> waiting;
        lock.lock();
        try {
            waiting = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        waiting.forEach(j -> j.finish(problem));
    }

    private void putBack(Job job) {
        lock.lock();
        try {
            queue.addFirst(job);
        } finally {
            lock.unlock();
        }
    }

    /** The message that follows on a connection: the first one waiting, taken as the one before it ends. */
    private final class Rider implements PipeliningTransport.NextMessage {
        private final Connection connection;
        Job taken;

        Rider(Connection connection) {
            this.connection = connection;
        }

        @Override
        public MimeMessage take() {
            if (connection.messages + 2 > MAX_MESSAGES_PER_CONNECTION) {
                return null; // this connection is replaced after the message being sent
            }
            lock.lock();
            try {
                taken = queue.pollFirst();
            } finally {
                lock.unlock();
            }
            if (taken == null) {
                return null;
            }
            envelopeId(taken.message, connection.transport); // as it is set when it is sent here
            return taken.message;
        }

        @Override
        public void giveBack() {
            if (taken != null) {
                putBack(taken);
                taken = null;
            }
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

    /**
     * Closes the connections: each connection thread sends what is still waiting, then closes its connection
     * (QUIT) and ends; this waits up to {@link #CLOSE_WAIT_MS} for that.
     */
    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            for (ConnectionThread idle : idleSenders) {
                idle.wakeUp.signal();
            }
            long wait = TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
            while (senders > 0 && wait > 0) {
                wait = ended.awaitNanos(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
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
