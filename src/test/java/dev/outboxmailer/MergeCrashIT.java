package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §13 "crash-safe like any draft": the packaged jar is killed with SIGKILL in the middle of a merge run,
 * started again, and the run resumes where its journal says: every row delivered, none lost, no more
 * duplicates at the server than rows in flight, one summary and a receipt per row.
 */
class MergeCrashIT {
    static final int ROWS = 600;
    static final int IN_FLIGHT = 16;
    static final Pattern SUBJECT = Pattern.compile("Subject: (row-\\d+)");

    @TempDir
    Path dir;

    @Test
    void aKilledMergeResumesWithNoRowLostAndAtMostTheRowsInFlightSentTwice() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        Files.createDirectories(outbox.resolve("files"));
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= ROWS; i++) {
            rows.append("{\"n\": ").append(i).append(", \"email\": \"r").append(i).append("@example.org\"}\n");
        }
        Files.writeString(outbox.resolve("files/rows.ndjson"), rows);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--outbox.settle-time=50", "--mail.from=a@example.com", "--merge.in-flight=" + IN_FLIGHT);
            Process first = PackagedJarIT.start(dir, args, Map.of(), "first.log");
            Files.writeString(outbox.resolve(".run.tmp"), """
                    {"template": {"to": "{{email}}", "subject": "row-{{n}}", "text": "row {{n}}"},
                     "rows": "files/rows.ndjson"}
                    """);
            Files.move(outbox.resolve(".run.tmp"), outbox.resolve("run.merge.json"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.accepted().size() >= ROWS / 3);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful stop
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int acceptedAtKill = server.accepted().size();
            assertThat(acceptedAtKill).as("killed mid-run").isLessThan(ROWS);

            Path folder = outbox.resolve(".sent").resolve(LocalDate.now().toString()).resolve("run");
            Process second = PackagedJarIT.start(dir, args, Map.of(), "second.log");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(folder.resolve("run.summary.json")));
            } finally {
                PackagedJarIT.stop(second);
            }
            JsonNode summary = new ObjectMapper().readTree(folder.resolve("run.summary.json").toFile());
            assertThat(summary.get("rows").asInt()).isEqualTo(ROWS);
            assertThat(summary.get("sent").asInt()).isEqualTo(ROWS);
            assertThat(summary.get("failed")).isEmpty();
            assertThat(folder.resolve("run.merge.json")).exists();
            assertThat(Files.readString(dir.resolve("second.log"))).contains("resumed at row");

            Map<String, Integer> received = new HashMap<>();
            for (String message : server.accepted()) {
                Matcher m = SUBJECT.matcher(message);
                assertThat(m.find()).isTrue();
                received.merge(m.group(1), 1, Integer::sum);
            }
            int duplicates = 0;
            for (int i = 1; i <= ROWS; i++) {
                assertThat(received.get("row-" + i)).as("row %d reached the server", i).isNotNull();
                assertThat(folder.resolve("row-" + i + ".receipt.json")).as("row %d's receipt", i).exists();
                duplicates += received.get("row-" + i) - 1;
            }
            assertThat(duplicates).as("rows sent twice").isLessThanOrEqualTo(IN_FLIGHT);
            assertThat(outbox.resolve(".failed")).doesNotExist();
            assertThat(outbox.resolve(".state/merges/")).isEmptyDirectory();
            System.out.printf("merge crash test: %d accepted before the kill, %d duplicate(s)%n", acceptedAtKill, duplicates);
        }
    }
}
