package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.SmtpsServer;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §5 through the real YAML routes: drafts sent to the embedded Artemis broker by a plain JMS client,
 * delivered to real SMTP(S) servers; failures dead-lettered or retried in the queue's transaction.
 */
class QueueIntakeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Map<String, String> settings(Map<String, String> smtp, int brokerPort, Path data) {
        Map<String, String> all = new HashMap<>(smtp);
        all.putAll(RunningMailer.embeddedQueue(brokerPort, data));
        return all;
    }

    static String url(int port) {
        return "tcp://127.0.0.1:" + port;
    }

    @Test
    void aJsonEnvelopeAndAnRfc5322MessageArriveAsSent() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open();
             RunningMailer mailer = RunningMailer.start(dir, settings(RunningMailer.smtps(server.port()), port, dir.resolve("broker")));
             QueueClient client = new QueueClient(url(port))) {
            String jsonId = client.sendText("outbox", """
                    {"from": "Alice <alice@example.com>", "to": ["bob@example.org", "Zoë <zoe@example.org>"],
                     "subject": "季度报告 — Q3", "text": "Hello Bob",
                     "attachments": [{"content": "aGVsbG8gZnJvbSB0aGUgcXVldWU=", "name": "hello.txt"}]}
                    """, Map.of());
            String eml = String.join("\r\n",
                    "From: Carol <carol@example.com>",
                    "To: dave@example.org",
                    "Subject: as written",
                    "Message-ID: <fixed-queue-1@example.com>",
                    "X-Signed: keep me",
                    "",
                    "Body line one.",
                    "Body line two.",
                    "");
            client.sendBytes("outbox", eml.getBytes(StandardCharsets.US_ASCII), Map.of());

            await().atMost(Duration.ofSeconds(20)).until(() -> server.received().length >= 3); // bob, zoe, dave
            List<MimeMessage> received = List.of(server.received());
            assertThat(received).hasSize(3);
            MimeMessage json = received.stream().filter(m -> subject(m).startsWith("季度")).findFirst().orElseThrow();
            assertThat(subject(json)).isEqualTo("季度报告 — Q3");
            MimeMultipart mixed = (MimeMultipart) json.getContent();
            assertThat(mixed.getBodyPart(1).getFileName()).isEqualTo("hello.txt");
            assertThat(new String(mixed.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("hello from the queue");
            MimeMessage asWritten = received.stream().filter(m -> subject(m).equals("as written")).findFirst().orElseThrow();
            assertThat(asWritten.getMessageID()).isEqualTo("<fixed-queue-1@example.com>");
            assertThat(asWritten.getHeader("X-Signed")[0]).isEqualTo("keep me");
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            asWritten.getInputStream().transferTo(body);
            // byte for byte (the final CRLF belongs to the SMTP end of data)
            assertThat(body.toString(StandardCharsets.US_ASCII)).isEqualTo("Body line one.\r\nBody line two.");

            // a receipt for each, correlated to the message the sender sent
            List<Message> receipts = client.drain("outbox.receipts", 2_000);
            assertThat(receipts).hasSize(2);
            Message jsonReceipt = receipts.stream().filter(r -> correlation(r).equals(jsonId)).findFirst().orElseThrow();
            JsonNode receipt = JSON.readTree(((TextMessage) jsonReceipt).getText());
            assertThat(receipt.get("draft").asText()).isEqualTo("queue:" + jsonId);
            assertThat(receipt.get("recipients")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("bob@example.org", "zoe@example.org");
            assertThat(receipt.get("attempts").asInt()).isEqualTo(1);
            assertThat(client.receive("outbox", 200)).isNull();
            assertThat(client.receive("outbox.DLQ", 200)).isNull();
        }
    }

    static String draft(String subject) {
        return "{\"from\": \"alice@example.com\", \"to\": \"bob@example.org\", \"subject\": \"" + subject
                + "\", \"text\": \"body of " + subject + "\"}";
    }

    @Test
    void aMessageRefusedFor5xxLandsInTheDeadLetterQueueWithKindAndReason() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().recipientReply(r -> "550 5.1.1 <" + r + ">: no such user");
             RunningMailer mailer = RunningMailer.start(dir, settings(RunningMailer.plain(server.port()), port, dir.resolve("broker")));
             QueueClient client = new QueueClient(url(port))) {
            String text = draft("nobody home");
            String id = client.sendText("outbox", text, Map.of("orderId", "A-17"));

            Message dead = client.receive("outbox.DLQ", 20_000);
            assertThat(dead).isInstanceOf(TextMessage.class);
            assertThat(((TextMessage) dead).getText()).isEqualTo(text);
            assertThat(dead.getStringProperty("errorKind")).isEqualTo("rejected");
            assertThat(dead.getStringProperty("errorReason")).contains("bob@example.org").contains("no such user");
            assertThat(dead.getIntProperty("smtpCode")).isEqualTo(550);
            assertThat(dead.getIntProperty("outboxAttempts")).isEqualTo(1);
            assertThat(dead.getStringProperty("outboxOriginalId")).isEqualTo(id);
            assertThat(dead.getStringProperty("orderId")).isEqualTo("A-17"); // the sender's own properties travel along
            assertThat(server.accepted()).isEmpty();
            assertThat(client.receive("outbox", 300)).isNull();
            assertThat(client.receive("outbox.receipts", 300)).isNull();
        }
    }

    @Test
    void invalidDraftsLandInTheDeadLetterQueueWithoutReachingTheServer() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, settings(RunningMailer.plain(server.port()), port, dir.resolve("broker")));
             QueueClient client = new QueueClient(url(port))) {
            // a file path means nothing on a queue: only attachments by content
            client.sendText("outbox", "{\"to\": \"bob@example.org\", \"subject\": \"by path\", \"text\": \"x\","
                    + " \"attachments\": [{\"path\": \"files/report.pdf\"}]}", Map.of("case", "path"));
            client.sendText("outbox", "{\"to\": \"bob@example.org\", \"subject\": \"bad\\r\\nBcc: victim@example.org\","
                    + " \"text\": \"x\"}", Map.of("case", "crlf"));
            client.sendText("outbox", "to: [unclosed", Map.of("case", "yaml"));
            var map = client.session().createMapMessage();
            map.setString("to", "bob@example.org");
            client.send("outbox", map, Map.of("case", "map"));

            List<Message> dead = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                dead.addAll(client.drain("outbox.DLQ", 200));
                return dead.size() >= 4;
            });
            Map<String, String> reasons = new HashMap<>();
            for (Message m : dead) {
                assertThat(m.getStringProperty("errorKind")).isEqualTo("invalid-draft");
                assertThat(m.getIntProperty("outboxAttempts")).isZero();
                reasons.put(m.getStringProperty("case"), m.getStringProperty("errorReason"));
            }
            assertThat(reasons).containsOnlyKeys("path", "crlf", "yaml", "map");
            assertThat(reasons.get("path")).contains("path");
            assertThat(reasons.get("crlf")).contains("carriage return");
            assertThat(reasons.get("map")).contains("MapMessage");
            assertThat(server.connections()).isZero();
        }
    }

    @Test
    void aGreylistedRecipientOfAQueueDraftIsRetriedAloneUnderTheSameMessageId() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        java.util.concurrent.atomic.AtomicInteger grey = new java.util.concurrent.atomic.AtomicInteger();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().recipientReply(r ->
                r.startsWith("grey") && grey.incrementAndGet() == 1 ? "451 4.7.1 greylisted, try again later" : "250 OK");
             RunningMailer mailer = RunningMailer.start(dir, settings(RunningMailer.plain(server.port()), port, dir.resolve("broker")));
             QueueClient client = new QueueClient(url(port))) {
            client.sendText("outbox", """
                    {"from": "a@example.com", "to": ["bob@example.org", "grey@example.org"], "subject": "grey", "text": "hi"}""", Map.of());
            Message receipt = client.receive("outbox.receipts", 20_000);
            assertThat(receipt).isNotNull();
            JsonNode json = JSON.readTree(((TextMessage) receipt).getText());
            assertThat(json.get("recipients")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("bob@example.org", "grey@example.org");
            assertThat(json.get("rejected")).isEmpty();
            assertThat(json.get("attempts").asInt()).isEqualTo(2);
            assertThat(server.acceptedFor()).containsExactly(List.of("bob@example.org"), List.of("grey@example.org"));
            assertThat(PromisesUnderFaultsTest.messageId(server.accepted().get(1)))
                    .isEqualTo(PromisesUnderFaultsTest.messageId(server.accepted().get(0)))
                    .isEqualTo(json.get("messageId").asText());
            assertThat(client.receive("outbox.receipts", 300)).as("one receipt, when every recipient has an answer").isNull();
        }
    }

    @Test
    void aPassingFailureIsRetriedFromTheQueueAndSurvivesARestartBetweenAttempts() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        Path broker = dir.resolve("broker");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().dataReplies("451 4.3.0 mailbox busy, try later");
             QueueClientHolder holder = new QueueClientHolder()) {
            Map<String, String> settings = settings(RunningMailer.plain(server.port()), port, broker);
            settings.put("retry.initial-delay", "5s");
            String id;
            try (RunningMailer first = RunningMailer.start(dir.resolve("first"), settings)) {
                id = holder.open(url(port)).sendText("outbox", draft("busy then fine"), Map.of());
                await().atMost(Duration.ofSeconds(10)).until(() -> server.connections() >= 1);
                Thread.sleep(500); // the 451 has been answered; the copy is queued for 5 s later
                holder.close();
            } // stopped (broker and all) before the retry is due
            assertThat(server.accepted()).isEmpty();

            try (RunningMailer second = RunningMailer.start(dir.resolve("second"), settings);
                 QueueClient client = new QueueClient(url(port))) {
                Message receipt = client.receive("outbox.receipts", 20_000);
                assertThat(receipt).isNotNull();
                JsonNode json = JSON.readTree(((TextMessage) receipt).getText());
                assertThat(json.get("draft").asText()).isEqualTo("queue:" + id);
                assertThat(json.get("attempts").asInt()).isEqualTo(2);
                assertThat(server.accepted()).hasSize(1);
                assertThat(server.accepted().get(0)).contains("Subject: busy then fine");
                assertThat(client.receive("outbox.DLQ", 300)).isNull();
            }
        }
    }

    @Test
    void jmsPropertiesNamedLikeMailSettingsChangeNothing() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open();
             ScriptedSmtpServer trap = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, settings(RunningMailer.smtps(server.port()), port, dir.resolve("broker")));
             QueueClient client = new QueueClient(url(port))) {
            // camel-jms decodes mail_DOT_smtp_DOT_host to the header mail.smtp.host, which camel-mail would obey
            client.sendText("outbox", draft("hostile one"), Map.of(
                    "mail_DOT_smtp_DOT_host", "evil.example", "mail_DOT_smtp_DOT_port", trap.port()));
            client.sendText("outbox", draft("hostile two"), Map.of(
                    "mail_DOT_smtp_DOT_host", "127.0.0.1", "mail_DOT_smtp_DOT_port", String.valueOf(trap.port()),
                    "mail_DOT_smtp_DOT_ssl_DOT_enable", "false", "CamelMailHost", "127.0.0.1", "to", "victim@example.org"));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.received().length >= 2);
            Thread.sleep(300);
            assertThat(server.received()).extracting(QueueIntakeTest::subject)
                    .containsExactlyInAnyOrder("hostile one", "hostile two");
            for (MimeMessage m : server.received()) {
                assertThat(m.getAllRecipients()).extracting(Object::toString).containsExactly("bob@example.org");
            }
            assertThat(trap.connections()).isZero();
            assertThat(client.receive("outbox.DLQ", 300)).isNull();
        }
    }

    @Test
    void aWrongPasswordStopsConsumingLeavesTheMessagesQueuedAndResumesOnceAccepted() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().login("me@example.com", "new-password")) {
            Map<String, String> settings = settings(RunningMailer.plain(server.port()), port, dir.resolve("broker"));
            settings.put("smtp.username", "me@example.com");
            settings.put("smtp.password", "old-password");
            try (RunningMailer mailer = RunningMailer.start(dir, settings);
                 QueueClient client = new QueueClient(url(port))) {
                for (int i = 1; i <= 12; i++) {
                    client.sendText("outbox", draft("held " + i), Map.of());
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == org.apache.camel.health.HealthCheck.State.DOWN);
                Thread.sleep(1_000);
                assertThat(server.accepted()).isEmpty();
                // a login per consumer at first (4), one probe per recheck, one health check: not one per message
                assertThat(server.connections()).isLessThanOrEqualTo(4 + 3 + 1).isLessThan(12);
                assertThat(client.receive("outbox.DLQ", 200)).isNull();

                server.login("me@example.com", "old-password");
                List<Message> receipts = new java.util.ArrayList<>();
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    receipts.addAll(client.drain("outbox.receipts", 200));
                    return receipts.size() >= 12;
                });
                for (Message receipt : receipts) {
                    assertThat(JSON.readTree(((TextMessage) receipt).getText()).get("attempts").asInt()).isEqualTo(1);
                }
                assertThat(server.accepted()).hasSize(12);
                assertThat(client.receive("outbox.DLQ", 200)).isNull();
            }
        }
    }

    @Test
    void withoutAQueueSettingNothingJmsRelatedExists() throws Exception {
        try (SmtpsServer server = SmtpsServer.open();
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.smtps(server.port()))) {
            var context = mailer.context();
            assertThat(context.getRoute("outbox-folder")).isNotNull();
            assertThat(context.getRoute("outbox-queue")).isNull();
            assertThat(context.hasComponent("jms")).isNull();
            assertThat(context.getRegistry().lookupByName("queueOutcomes")).isNull();
            assertThat(context.getEndpoints()).noneMatch(e -> e.getEndpointUri().startsWith("jms:"));
        }
    }

    @Test
    void passingFailuresForLongerThanGiveUpAfterExpireIntoTheDeadLetterQueue() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        String[] busy = new String[50];
        java.util.Arrays.fill(busy, "451 4.3.0 still busy");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().dataReplies(busy)) {
            Map<String, String> settings = settings(RunningMailer.plain(server.port()), port, dir.resolve("broker"));
            settings.put("retry.give-up-after", "1s"); // retries every 300 ms (RunningMailer.plain)
            try (RunningMailer mailer = RunningMailer.start(dir, settings);
                 QueueClient client = new QueueClient(url(port))) {
                String id = client.sendText("outbox", draft("never today"), Map.of());
                Message dead = client.receive("outbox.DLQ", 20_000);
                assertThat(dead).isNotNull();
                assertThat(dead.getStringProperty("errorKind")).isEqualTo("expired");
                assertThat(dead.getStringProperty("errorReason")).contains("gave up after").contains("451 4.3.0 still busy");
                assertThat(dead.getIntProperty("smtpCode")).isEqualTo(451);
                assertThat(dead.getIntProperty("outboxAttempts")).isGreaterThanOrEqualTo(3);
                assertThat(dead.getStringProperty("outboxOriginalId")).isEqualTo(id);
                assertThat(((TextMessage) dead).getText()).isEqualTo(draft("never today"));
                assertThat(server.accepted()).isEmpty();
                assertThat(client.receive("outbox", 300)).isNull();
            }
        }
    }

    @Test
    void anEmbeddedBrokerPortAlreadyTakenIsAConfigurationErrorNotSomeoneElsesBroker() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Map<String, String> settings = settings(RunningMailer.plain(ScriptedSmtpServer.freePort()), taken.getLocalPort(),
                    dir.resolve("broker"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunningMailer.start(dir, settings).close())
                    .satisfies(e -> {
                        Throwable t = e;
                        while (t != null && !(t instanceof dev.outboxmailer.config.ConfigException)) {
                            t = t.getCause();
                        }
                        assertThat(t).isNotNull();
                        assertThat(t.getMessage()).startsWith("queue.embedded-port:").contains("already in use");
                    });
        }
    }

    /** A client closed before the broker it talks to stops. */
    static final class QueueClientHolder implements AutoCloseable {
        private QueueClient client;

        QueueClient open(String url) throws Exception {
            client = new QueueClient(url);
            return client;
        }

        @Override
        public void close() throws Exception {
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }

    static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String correlation(Message m) {
        try {
            return m.getJMSCorrelationID();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
