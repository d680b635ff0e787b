package dev.outboxmailer.support;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Another program on the broker, as the README tells it to talk to outbox-mailer: a plain JMS client
 * (artemis-jakarta-client) that sends drafts and reads the dead-letter and receipt queues.
 */
public final class QueueClient implements AutoCloseable {
    private final ActiveMQConnectionFactory factory;
    private final Connection connection;
    private final Session session;

    /** The login the tests give the embedded broker ({@link RunningMailer#embeddedQueue}). */
    public static final String USER = "test-sender";
    public static final String PASSWORD = "test-sender-password";

    /** A client with the tests' login. */
    public QueueClient(String url) throws JMSException {
        this(url, USER, PASSWORD);
    }

    /** A client with this login (null, null: none). */
    public QueueClient(String url, String user, String password) throws JMSException {
        factory = new ActiveMQConnectionFactory(url, user, password);
        connection = factory.createConnection();
        connection.start();
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    }

    /** Sends an envelope (JSON or YAML) as a TextMessage; returns its JMSMessageID. */
    public String sendText(String queue, String text, Map<String, Object> properties) throws JMSException {
        TextMessage message = session.createTextMessage(text);
        return send(queue, message, properties);
    }

    /** Sends an RFC 5322 message as a BytesMessage; returns its JMSMessageID. */
    public String sendBytes(String queue, byte[] bytes, Map<String, Object> properties) throws JMSException {
        BytesMessage message = session.createBytesMessage();
        message.writeBytes(bytes);
        return send(queue, message, properties);
    }

    public String send(String queue, Message message, Map<String, Object> properties) throws JMSException {
        for (Map.Entry<String, Object> p : properties.entrySet()) {
            message.setObjectProperty(p.getKey(), p.getValue());
        }
        try (MessageProducer producer = session.createProducer(session.createQueue(queue))) {
            producer.send(message);
        }
        return message.getJMSMessageID();
    }

    public Session session() {
        return session;
    }

    /** The next message on the queue, or null after the timeout. */
    public Message receive(String queue, long timeoutMillis) throws JMSException {
        try (MessageConsumer consumer = session.createConsumer(session.createQueue(queue))) {
            return consumer.receive(timeoutMillis);
        }
    }

    /** Every message on the queue until none comes for {@code quietMillis}. */
    public List<Message> drain(String queue, long quietMillis) throws JMSException {
        List<Message> all = new ArrayList<>();
        try (MessageConsumer consumer = session.createConsumer(session.createQueue(queue))) {
            for (Message m = consumer.receive(quietMillis); m != null; m = consumer.receive(quietMillis)) {
                all.add(m);
            }
        }
        return all;
    }

    /**
     * Sends {@code count} JSON envelopes to bob@example.org, subjects {@code <prefix> #0001} on, 100 to a
     * transaction (as a program feeding the queue in bulk would).
     */
    public static void sendEnvelopes(String url, String queue, String prefix, int count) throws JMSException {
        sendEnvelopes(url, USER, PASSWORD, queue, prefix, count);
    }

    /** {@link #sendEnvelopes(String, String, String, int)} with this login. */
    public static void sendEnvelopes(String url, String user, String password, String queue, String prefix, int count)
            throws JMSException {
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url, user, password);
             Connection connection = factory.createConnection();
             Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
             MessageProducer producer = session.createProducer(session.createQueue(queue))) {
            for (int i = 1; i <= count; i++) {
                producer.send(session.createTextMessage(String.format(
                        "{\"to\": \"bob@example.org\", \"subject\": \"%s #%04d\", \"text\": \"message %d\"}", prefix, i, i)));
                if (i % 100 == 0) {
                    session.commit();
                }
            }
            session.commit();
        }
    }

    /** The login the mailer generated for its embedded broker, read from {@code <queue.data-dir>/login.properties}. */
    public record Login(String user, String password) {
        public static Login readFrom(java.nio.file.Path dataDir) throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(dataDir.resolve("login.properties"))) {
                p.load(in);
            }
            return new Login(p.getProperty("username"), p.getProperty("password"));
        }
    }

    @Override
    public void close() throws JMSException {
        connection.close();
        factory.close();
    }
}
