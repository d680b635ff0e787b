package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.SmtpsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /observe/health and /observe/metrics on camel.management.port, through the real application. */
class ObserveTest {
    @TempDir
    Path dir;

    static final String DRAFT = "To: bob@example.org, carol@example.org\r\nFrom: sender@example.com\r\nSubject: hi\r\n\r\nhello\r\n";

    @Test
    void healthIsDownWhileTheSmtpServerIsStoppedAndUpWhenItIsBack() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open()) {
            Map<String, String> settings = RunningMailer.smtps(server.port());
            settings.put("camel.management.port", String.valueOf(port));
            settings.put("health.recheck", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).as(health.getValue()).isEqualTo(200);
                    assertThat(health.getValue()).contains("\"status\":\"UP\"");
                });
                server.stop();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("\"status\":\"DOWN\"")
                            .contains("\"name\":\"smtp\"")
                            .contains("could not be reached");
                });
                server.restart();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).as(health.getValue()).isEqualTo(200);
                });
            }
        }
    }

    @Test
    void metricsCountWhatWasSentAndWhatFailed() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open()) {
            Map<String, String> settings = RunningMailer.smtps(server.port());
            settings.put("camel.management.port", String.valueOf(port));
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                for (int i = 0; i < 5; i++) {
                    mailer.drop("hi-" + i + ".eml", DRAFT);
                }
                mailer.drop("broken.json", "{\"to\": \"bob@example.org\", \"subject\": oops}");
                for (int i = 0; i < 5; i++) {
                    mailer.awaitReceipt("hi-" + i + ".eml");
                }
                mailer.awaitError("broken.json");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    String metrics = RunningMailer.get(port, "/observe/metrics").getValue();
                    assertThat(value(metrics, "outbox_mailer_sent_total")).isEqualTo(5.0);
                    assertThat(value(metrics, "outbox_mailer_failed_total{kind=\"invalid-draft\"}")).isEqualTo(1.0);
                    assertThat(value(metrics, "outbox_mailer_failed_total{kind=\"rejected\"}")).isEqualTo(0.0);
                    assertThat(value(metrics, "outbox_mailer_retries_total")).isEqualTo(0.0);
                    assertThat(value(metrics, "outbox_mailer_send_seconds_count")).isEqualTo(5.0);
                    assertThat(metrics).contains("outbox_mailer_send_seconds_bucket{le=");
                    assertThat(value(metrics, "outbox_mailer_pending_drafts")).isEqualTo(0.0);
                    assertThat(value(metrics, "outbox_mailer_oldest_pending_age_seconds")).isEqualTo(0.0);
                });
            }
        }
    }

    @Test
    void healthNamesABrokerThatDoesNotTakeAConnectionAndAnOutboxThatIsGone() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        int noBroker = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open()) {
            Map<String, String> settings = RunningMailer.smtps(server.port());
            settings.put("camel.management.port", String.valueOf(port));
            settings.putAll(RunningMailer.externalQueue("tcp://127.0.0.1:" + noBroker + "?reconnectAttempts=0"));
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("\"name\":\"broker\"")
                            .contains("127.0.0.1:" + noBroker).contains("does not take a connection");
                });
            }
        }
        Path embedded = dir.resolve("embedded");
        try (SmtpsServer server = SmtpsServer.open()) {
            Map<String, String> settings = RunningMailer.smtps(server.port());
            settings.put("camel.management.port", String.valueOf(port));
            settings.putAll(RunningMailer.embeddedQueue(ScriptedSmtpServer.freePort(), embedded.resolve("queue-data")));
            try (RunningMailer mailer = RunningMailer.start(embedded, settings)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(RunningMailer.get(port, "/observe/health").getKey()).isEqualTo(200));
                java.nio.file.Files.move(mailer.outbox, embedded.resolve("outbox-moved-away"));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("\"name\":\"outbox\"").contains("does not exist");
                });
            }
        }
    }

    /** The value of one sample line of a Prometheus text exposition. */
    static double value(String exposition, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(exposition);
        if (!m.find()) {
            throw new AssertionError("no sample " + sample + " in\n" + exposition);
        }
        return Double.parseDouble(m.group(1));
    }
}
