package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §13 "each row is a mail of its own: its retries, its outcome": a row whose recipient is deferred is
 * retried alone, for that recipient alone, under its Message-ID; a row refused for good fails alone.
 */
class MergeRetriesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void aDeferredRowIsRetriedAloneAndARefusedRowFailsAlone() throws Exception {
        AtomicInteger grey = new AtomicInteger();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().recipientReply(r -> r.contains("grey@")
                ? (grey.getAndIncrement() == 0 ? "451 4.7.1 greylisted, try again" : "250 OK")
                : r.contains("ghost@") ? "550 5.1.1 no such user" : "250 OK");
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            mailer.drop("retry.merge.json", """
                    {"template": {"to": ["{{a}}", "{{b}}"], "subject": "row {{n}}", "text": "hello"},
                     "rows": [{"n": 1, "a": "bob@example.org", "b": "grey@example.org"},
                              {"n": 2, "a": "ghost@example.org", "b": "ghost@example.org"},
                              {"n": 3, "a": "carol@example.org", "b": "dave@example.org"}]}
                    """);
            Path folder = mailer.outbox.resolve(".sent").resolve(LocalDate.now().toString()).resolve("retry");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(folder.resolve("retry.summary.json")));
            JsonNode summary = JSON.readTree(folder.resolve("retry.summary.json").toFile());
            assertThat(summary.get("sent").asInt()).isEqualTo(2);
            assertThat(summary.get("failed")).hasSize(1);
            assertThat(summary.get("failed").get(0).get("row").asInt()).isEqualTo(2);
            assertThat(summary.get("failed").get(0).get("kind").asText()).isEqualTo("rejected");
            assertThat(summary.get("failed").get(0).get("reason").asText()).startsWith("row 2:").contains("550");

            JsonNode row1 = JSON.readTree(folder.resolve("row-1.receipt.json").toFile());
            assertThat(row1.get("recipients")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("bob@example.org", "grey@example.org");
            assertThat(row1.get("attempts").asInt()).isEqualTo(2);
            // the retry went to grey alone, under the Message-ID bob already had
            List<List<String>> acceptedFor = server.acceptedFor();
            assertThat(acceptedFor).contains(List.of("grey@example.org"));
            long row1Copies = server.accepted().stream().filter(m -> m.contains("Subject: row 1")).count();
            assertThat(row1Copies).isEqualTo(2);
            assertThat(server.accepted().stream().filter(m -> m.contains("Subject: row 1"))
                    .map(m -> m.replaceAll("(?s).*Message-ID: (<[^>]+>).*", "$1")).distinct()).hasSize(1);
            assertThat(folder.resolve("row-3.receipt.json")).exists();
        }
    }
}
