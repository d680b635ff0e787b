package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.BounceMailbox;
import dev.outboxmailer.support.BounceReports;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.SmtpsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §11 + §13: a bounce of one merge row is matched to that row, filed beside its receipt, and suppresses. */
class MergeBouncesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void aRowsBounceIsFiledBesideItsReceiptAndTheAddressIsSuppressed() throws Exception {
        org.awaitility.Awaitility.doNotCatchUncaughtExceptionsByDefault();
        try (SmtpsServer smtp = SmtpsServer.open(); BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = RunningMailer.smtps(smtp.port());
            s.put("bounces.url", mailbox.imapsUrl());
            s.put("bounces.username", BounceMailbox.USER);
            s.put("bounces.password", BounceMailbox.PASSWORD);
            s.put("bounces.poll-delay", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir, s)) {
                mailer.drop("bm.merge.json", """
                        {"template": {"from": "mailer@example.com", "to": "{{email}}", "subject": "Hi", "text": "Hello"},
                         "rows": [{"email": "alive@example.org"}, {"email": "dead@example.net"}]}
                        """);
                Path folder = mailer.outbox.resolve(".sent").resolve(LocalDate.now().toString()).resolve("bm");
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(folder.resolve("bm.summary.json")));
                String messageId = JSON.readTree(folder.resolve("row-2.receipt.json").toFile()).get("messageId").asText();
                mailbox.deliver(BounceReports.postfix("<r1@mail.example.com>", messageId, "dead@example.net", "failed", "5.1.1"));
                Path bounce = folder.resolve("row-2.bounce.json");
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(bounce));
                JsonNode b = JSON.readTree(bounce.toFile());
                assertThat(b.get("messageId").asText()).isEqualTo(messageId);
                assertThat(b.get("bounces").get(0).get("recipient").asText()).isEqualTo("dead@example.net");
                assertThat(b.get("bounces").get(0).get("hard").asBoolean()).isTrue();
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(mailer.outbox.resolve(".state/suppressed.csv"))
                        && Files.readString(mailer.outbox.resolve(".state/suppressed.csv")).contains("dead@example.net"));
                assertThat(folder.resolve("row-1.bounce.json")).doesNotExist();
            }
        } finally {
            org.awaitility.Awaitility.reset();
        }
    }
}
