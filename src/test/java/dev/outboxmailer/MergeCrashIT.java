package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.Instances.Instance;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SPEC §13 "crash-safe like any draft": the packaged jar is killed with SIGKILL in the middle of a merge run,
 * and the run resumes where its journal says: every row delivered, none lost, no more duplicates at the server
 * than rows in flight, one summary and a receipt per row. Run twice (issue 17): the killed jar is started
 * again, or the standby that waited beside it ({@code cluster.mode=standby}) takes over and resumes the run.
 */
class MergeCrashIT {
    static final int ROWS = 600;
    static final int IN_FLIGHT = 16;
    static final Pattern SUBJECT = Pattern.compile("Subject: (row-\\d+)");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(CrashRecoveryIT.Successor.class)
    void aKilledMergeResumesWithNoRowLostAndAtMostTheRowsInFlightSentTwice(CrashRecoveryIT.Successor successor)
            throws Exception {
        boolean standingBy = successor == CrashRecoveryIT.Successor.STANDBY;
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        Files.createDirectories(outbox.resolve("files"));
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= ROWS; i++) {
            rows.append("{\"n\": ").append(i).append(", \"email\": \"r").append(i).append("@example.org\"}\n");
        }
        Files.writeString(outbox.resolve("files/rows.ndjson"), rows);
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             Instances instances = new Instances(dir, "MergeCrashIT-" + successor)) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--outbox.settle-time=50", "--mail.from=a@example.com", "--merge.in-flight=" + IN_FLIGHT);
            Instance first = standingBy ? instances.startAs("leader", args) : instances.start(args);
            Instance standby = standingBy ? instances.startAs("standby", args) : null;
            Files.writeString(outbox.resolve(".run.tmp"), """
                    {"template": {"to": "{{email}}", "subject": "row-{{n}}", "text": "row {{n}}"},
                     "rows": "files/rows.ndjson"}
                    """);
            Files.move(outbox.resolve(".run.tmp"), outbox.resolve("run.merge.json"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.accepted().size() >= ROWS / 3);
            long killedAt = Instances.kill(first);
            int acceptedAtKill = server.accepted().size();
            assertThat(acceptedAtKill).as("killed mid-run").isLessThan(ROWS);

            Path folder = outbox.resolve(".sent").resolve(LocalDate.now().toString()).resolve("run");
            Instance second = instances.successor(standby, killedAt, args);
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(folder.resolve("run.summary.json")));
            } finally {
                PackagedJarIT.stop(second.process());
            }
            JsonNode summary = new ObjectMapper().readTree(folder.resolve("run.summary.json").toFile());
            assertThat(summary.get("rows").asInt()).isEqualTo(ROWS);
            assertThat(summary.get("sent").asInt()).isEqualTo(ROWS);
            assertThat(summary.get("failed")).isEmpty();
            assertThat(folder.resolve("run.merge.json")).exists();
            assertThat(second.logText()).contains("resumed at row");

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
            System.out.printf("merge crash test (%s): %d accepted before the kill, %d duplicate(s)%n", successor,
                    acceptedAtKill, duplicates);
        }
    }
}
