package dev.outboxmailer.intake;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.QueueSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import java.util.Set;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ActiveMQ Artemis broker ({@code queue.embedded=true}): listens on 127.0.0.1 only, takes only
 * connections that log in with the settings' login ({@link BrokerLogin}: given, or generated at the first start), keeps
 * its journal in {@code queue.data-dir} (so queued and scheduled mail survives a restart), and has the
 * draft queue and its dead-letter queue from the start.
 *
 * <p>Redelivery here only covers our own faults (a failed commit, a crash mid-draft): passing SMTP
 * failures are re-queued as scheduled copies by the outcome stage. A message that is rolled back
 * {@link #MAX_DELIVERY_ATTEMPTS} times is moved to the dead-letter queue by the broker, never dropped.
 */
public final class QueueBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueBroker.class);
    static final int MAX_DELIVERY_ATTEMPTS = 20;
    /** The one role: whoever has the login may send, consume and browse; nobody manages the broker remotely. */
    private static final String ROLE = "outbox-mailer";

    private final EmbeddedActiveMQ broker;

    private QueueBroker(EmbeddedActiveMQ broker) {
        this.broker = broker;
    }

    public static QueueBroker start(QueueSettings settings) throws Exception {
        Path data = settings.dataDir();
        Files.createDirectories(data);
        ConfigurationImpl config = new ConfigurationImpl();
        config.setName("outbox-mailer");
        config.setPersistenceEnabled(true);
        config.setJournalType(JournalType.NIO); // no native library needed
        config.setJournalDirectory(data.resolve("journal").toString());
        config.setBindingsDirectory(data.resolve("bindings").toString());
        config.setLargeMessagesDirectory(data.resolve("large-messages").toString());
        config.setPagingDirectory(data.resolve("paging").toString());
        // closed by default (SPEC §9): no connection without the login (queue.username/password, or BrokerLogin's)
        if (settings.username() == null || settings.password() == null) {
            throw new IllegalStateException("the embedded broker needs a login (BrokerLogin.of)");
        }
        config.setSecurityEnabled(true);
        config.putSecurityRoles("#", Set.of(new Role(ROLE, true, true, true, true, true, true, false, true, true, true, false, false)));
        config.setJMXManagementEnabled(false);
        config.addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + settings.embeddedPort());

        AddressSettings redelivery = new AddressSettings()
                .setRedeliveryDelay(1_000)
                .setRedeliveryMultiplier(2)
                .setMaxRedeliveryDelay(60_000)
                .setMaxDeliveryAttempts(MAX_DELIVERY_ATTEMPTS)
                .setDeadLetterAddress(SimpleString.of(settings.deadLetterQueue()));
        config.addAddressSetting(settings.name(), redelivery);
        // everything else the broker holds (dead letters, receipts) is never dead-lettered or expired itself
        SimpleString dlq = SimpleString.of(settings.deadLetterQueue());
        config.addAddressSetting("#", new AddressSettings().setDeadLetterAddress(dlq).setExpiryAddress(dlq)
                .setMaxDeliveryAttempts(-1).setRedeliveryDelay(1_000));
        for (String queue : new String[] {settings.name(), settings.deadLetterQueue()}) {
            config.addQueueConfiguration(QueueConfiguration.of(queue).setAddress(queue)
                    .setRoutingType(RoutingType.ANYCAST).setDurable(true));
        }

        requireFree(settings.embeddedPort());
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
        broker.setConfiguration(config);
        SecurityConfiguration users = new SecurityConfiguration();
        users.addUser(settings.username(), settings.password());
        users.addRole(settings.username(), ROLE);
        broker.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
        broker.start();
        var acceptor = broker.getActiveMQServer().getRemotingService().getAcceptor("tcp");
        if (acceptor == null || !acceptor.isStarted()) {
            broker.stop();
            throw inUse(settings.embeddedPort());
        }
        LOG.info("Embedded Artemis broker on {} (login required) keeps its messages in {}", settings.url(), data);
        return new QueueBroker(broker);
    }

    /** Artemis logs a port it cannot bind and starts anyway: this mailer would then consume from someone else's broker. */
    private static void requireFree(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw inUse(port);
        }
    }

    private static ConfigException inUse(int port) {
        return new ConfigException("queue.embedded-port", "127.0.0.1:" + port + " is already in use (another outbox-mailer's "
                + "broker?): choose another port, or set queue.url to that broker instead of queue.embedded");
    }

    @Override
    public void close() throws Exception {
        broker.stop();
    }
}
