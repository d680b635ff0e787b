package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import jakarta.jms.JMSSecurityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9 "Closed by default", the embedded broker: it takes no unauthenticated connection. Its login is given
 * ({@code queue.username}/{@code queue.password}) or generated at the first start and kept, owner-only, in
 * {@code queue.data-dir}; anonymous and wrong-password clients (real Artemis clients) are refused.
 */
class BrokerLoginTest {
    @TempDir
    Path dir;

    static final String DRAFT = "{\"to\": \"bob@example.org\", \"subject\": \"%s\", \"text\": \"over the queue\"}";

    /** The embedded broker with no login configured. */
    private Map<String, String> generated(int brokerPort, Path data, int smtpPort) {
        Map<String, String> settings = RunningMailer.plain(smtpPort);
        settings.putAll(RunningMailer.embeddedQueue(brokerPort, data));
        settings.remove("queue.username");
        settings.remove("queue.password");
        return settings;
    }

    @Test
    void withoutALoginConfiguredOneIsGeneratedKeptOwnerOnlyAndUsedAgainAfterARestart() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        String url = "tcp://127.0.0.1:" + brokerPort;
        Path data = dir.resolve("queue-data");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            QueueClient.Login first;
            try (RunningMailer mailer = RunningMailer.start(dir, generated(brokerPort, data, server.port()))) {
                Path file = data.resolve("login.properties");
                assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
                first = QueueClient.Login.readFrom(data);
                assertThat(first.user()).isEqualTo("outbox-mailer");
                assertThat(first.password()).hasSizeGreaterThanOrEqualTo(24);

                assertRefused(url, null, null);
                assertRefused(url, first.user(), "not-the-password");
                assertRefused(url, "someone-else", first.password());
                try (QueueClient client = new QueueClient(url, first.user(), first.password())) {
                    client.sendText("outbox", DRAFT.formatted("with the generated login"), Map.of());
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                        .until(() -> server.accepted().size() == 1);
                assertThat(server.accepted().get(0)).contains("Subject: with the generated login");
            }
            try (RunningMailer mailer = RunningMailer.start(dir, generated(brokerPort, data, server.port()))) {
                assertThat(QueueClient.Login.readFrom(data)).isEqualTo(first);
                try (QueueClient client = new QueueClient(url, first.user(), first.password())) {
                    client.sendText("outbox", DRAFT.formatted("after the restart"), Map.of());
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                        .until(() -> server.accepted().size() == 2);
                assertRefused(url, null, null);
            }
        }
    }

    @Test
    void aGivenLoginIsTheOnlyOneAndNothingIsGenerated() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        String url = "tcp://127.0.0.1:" + brokerPort;
        Path data = dir.resolve("queue-data");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            Map<String, String> settings = RunningMailer.plain(server.port());
            settings.putAll(RunningMailer.embeddedQueue(brokerPort, data)); // queue.username/password given
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                assertThat(data.resolve("login.properties")).doesNotExist();
                assertRefused(url, null, null);
                assertRefused(url, QueueClient.USER, "wrong");
                try (QueueClient client = new QueueClient(url)) {
                    client.sendText("outbox", DRAFT.formatted("with the given login"), Map.of());
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                        .until(() -> server.accepted().size() == 1);
            }
        }
    }

    @Test
    void aLoginFileOthersCouldReadIsMadeOwnerOnly() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        Path data = Files.createDirectories(dir.resolve("queue-data"));
        Path file = data.resolve("login.properties");
        Files.writeString(file, "username=mine\npassword=my-own-secret\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, generated(brokerPort, data, server.port()))) {
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            new QueueClient("tcp://127.0.0.1:" + brokerPort, "mine", "my-own-secret").close();
        }
    }

    private static void assertRefused(String url, String user, String password) {
        assertThatThrownBy(() -> new QueueClient(url, user, password).close())
                .as("login %s", user).isInstanceOf(JMSSecurityException.class);
    }
}
