package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import jakarta.jms.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9, "bounded memory", on the queue: a message whose body is over mail.max-size is dead-lettered as
 * invalid-draft from its size alone (a BytesMessage's body length, a large Artemis TextMessage's body
 * size), before its body is read; smaller ones go on being sent.
 */
class QueueSizeLimitTest {

    @TempDir
    Path dir;

    @Test
    void aMessageOverMailMaxSizeIsDeadLetteredUnreadAndTheNextIsSent() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            Map<String, String> settings = new HashMap<>(RunningMailer.plain(server.port()));
            settings.putAll(RunningMailer.embeddedQueue(port, dir.resolve("broker")));
            settings.put("mail.max-size", "1MB");
            try (RunningMailer mailer = RunningMailer.start(dir, settings);
                 QueueClient client = new QueueClient("tcp://127.0.0.1:" + port)) {
                byte[] eml = ("To: bob@example.org\r\nSubject: big\r\n\r\n" + "x".repeat(3 * 1024 * 1024))
                        .getBytes(StandardCharsets.US_ASCII);
                client.sendBytes("outbox", eml, Map.of("case", "bytes"));
                String text = "{\"to\": \"bob@example.org\", \"text\": \"" + "y".repeat(3 * 1024 * 1024) + "\"}";
                client.sendText("outbox", text, Map.of("case", "text"));

                List<Message> dead = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    dead.addAll(client.drain("outbox.DLQ", 200));
                    return dead.size() >= 2;
                });
                Map<String, String> reasons = new HashMap<>();
                for (Message m : dead) {
                    assertThat(m.getStringProperty("errorKind")).isEqualTo("invalid-draft");
                    reasons.put(m.getStringProperty("case"), m.getStringProperty("errorReason"));
                }
                assertThat(reasons).containsOnlyKeys("bytes", "text");
                assertThat(reasons.get("bytes")).startsWith("the message is 3.0 MB, over the 1.0 MB limit for a message "
                        + "(mail.max-size); its body was not read");
                assertThat(reasons.get("text")).contains("the message is about 3.0 MB, over the 1.0 MB limit for a message (mail.max-size); its body was not read");
                assertThat(server.connections()).isZero();

                client.sendText("outbox", "{\"to\": \"bob@example.org\", \"subject\": \"small\", \"text\": \""
                        + "z".repeat(300 * 1024) + "\"}", Map.of());
                await().atMost(Duration.ofSeconds(30)).until(() -> server.accepted().size() == 1);
                assertThat(server.accepted().get(0)).contains("Subject: small");
            }
        }
    }
}
