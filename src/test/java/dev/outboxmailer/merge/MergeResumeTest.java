package dev.outboxmailer.merge;

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
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §13 crash safety, at the moment a kill is hardest to hit by chance: rows rendered into the rows outbox
 * just before the journal was synced. The next start sends each of them once, under the Message-ID it was
 * rendered with, renders the rest, and finishes the run.
 */
class MergeResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void rowsRenderedJustBeforeTheJournalAreSentOnceAfterACrash() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        String day = LocalDate.now().toString();
        Path run = Files.createDirectories(outbox.resolve(".state/merges/kill-1"));
        Files.writeString(run.resolve("draft"), "{\"template\": {\"to\": \"{{email}}\", \"subject\": \"row-{{n}}\", "
                + "\"text\": \"hi\"}, \"rows\": \"files/rows.ndjson\"}");
        Files.writeString(run.resolve("rows.ndjson"), "{\"n\": 1, \"email\": \"a@example.org\"}\n"
                + "{\"n\": 2, \"email\": \"b@example.org\"}\n{\"n\": 3, \"email\": \"c@example.org\"}\n");
        Files.writeString(run.resolve("journal.json"), JSON.writeValueAsString(Map.of("name", "r.merge.json",
                "folder", ".sent/" + day + "/r", "token", "t0k", "startedAt", OffsetDateTime.now().toString(), "rows", 3,
                "next", 1, "preview", false, "format", "NDJSON", "rowsFrom", "files/rows.ndjson")));
        Files.createDirectories(outbox.resolve(".sent/" + day + "/r"));
        // rows 1 and 2 were written (and 1 even claimed) just before the kill; the journal still says row 1 is next
        Path rows = Files.createDirectories(outbox.resolve(".state/merge-rows/.state/claims"));
        Files.writeString(rows.resolve("old-1~r~kill-1.row-1.json"), "{\"to\": \"a@example.org\", \"subject\": \"row-1\", "
                + "\"text\": \"hi\", \"messageId\": \"<merge.t0k.1@example.com>\"}");
        Files.writeString(outbox.resolve(".state/merge-rows/r~kill-1.row-2.json"), "{\"to\": \"b@example.org\", "
                + "\"subject\": \"row-2\", \"text\": \"hi\", \"messageId\": \"<merge.t0k.2@example.com>\"}");

        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            Path summary = outbox.resolve(".sent/" + day + "/r/r.summary.json");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(summary));
            JsonNode s = JSON.readTree(summary.toFile());
            assertThat(s.get("rows").asInt()).isEqualTo(3);
            assertThat(s.get("sent").asInt()).isEqualTo(3);
            assertThat(s.get("failed")).isEmpty();
            for (int n = 1; n <= 3; n++) {
                String subject = "Subject: row-" + n + "\r\n";
                assertThat(server.accepted().stream().filter(m -> m.contains(subject)).count()).as("row %d", n).isEqualTo(1);
            }
            assertThat(server.accepted().stream().filter(m -> m.contains("Subject: row-2")).findFirst().orElseThrow())
                    .contains("Message-ID: <merge.t0k.2@example.com>");
            assertThat(outbox.resolve(".sent/" + day + "/r/r.merge.json")).exists();
        }
    }

    /**
     * A standby (cluster.mode=standby) leaves the leader's interrupted run alone: no row rendered or sent, its
     * journal as it was. When the leader (here another process holding the lock) dies, the standby takes the
     * lead and resumes the run from its journal.
     */
    @Test
    void aStandbyLeavesTheLeadersRunAloneUntilItTakesTheLead() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        String day = LocalDate.now().toString();
        Path run = Files.createDirectories(outbox.resolve(".state/merges/lead-1"));
        Files.writeString(run.resolve("draft"), "{\"template\": {\"to\": \"{{email}}\", \"subject\": \"row-{{n}}\", "
                + "\"text\": \"hi\"}, \"rows\": \"files/rows.ndjson\"}");
        Files.writeString(run.resolve("rows.ndjson"), "{\"n\": 1, \"email\": \"a@example.org\"}\n"
                + "{\"n\": 2, \"email\": \"b@example.org\"}\n");
        String journal = JSON.writeValueAsString(Map.of("name", "l.merge.json", "folder", ".sent/" + day + "/l",
                "token", "t2k", "startedAt", OffsetDateTime.now().toString(), "rows", 2, "next", 1, "preview", false,
                "format", "NDJSON", "rowsFrom", "files/rows.ndjson"));
        Files.writeString(run.resolve("journal.json"), journal);
        Files.createDirectories(outbox.resolve(".sent/" + day + "/l"));
        // the leader: another process holding the outbox's lock (a POSIX lock, as the JVM's FileLock takes it)
        Path lock = Files.createDirectories(outbox.resolve(".state")).resolve("instance.lock");
        Process leader = new ProcessBuilder("/usr/bin/python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(120)",
                lock.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new String(leader.getInputStream().readNBytes(6))).isEqualTo("locked");
            Map<String, String> settings = new java.util.HashMap<>(RunningMailer.plain(0));
            try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
                settings.putAll(RunningMailer.plain(server.port()));
                settings.put("cluster.mode", "standby");
                settings.put("cluster.lock-interval", "500ms");
                try (RunningMailer standby = RunningMailer.start(dir, settings)) {
                    Thread.sleep(3_000); // several lock intervals: the standby looks, and waits
                    assertThat(server.accepted()).isEmpty();
                    assertThat(outbox.resolve(".state/merge-rows")).satisfiesAnyOf(
                            rows -> assertThat(rows).doesNotExist(), rows -> assertThat(rows).isEmptyDirectory());
                    assertThat(Files.readString(run.resolve("journal.json"))).isEqualTo(journal);

                    leader.destroyForcibly(); // the leader dies: the OS frees its lock
                    Path summary = outbox.resolve(".sent/" + day + "/l/l.summary.json");
                    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(summary));
                    assertThat(JSON.readTree(summary.toFile()).get("sent").asInt()).isEqualTo(2);
                    assertThat(server.accepted()).hasSize(2);
                }
            }
        } finally {
            leader.destroyForcibly();
        }
    }

    @Test
    void aRowWhoseDraftWasRemovedByHandFailsAsLostAndTheRunStillEnds() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        String day = LocalDate.now().toString();
        Path run = Files.createDirectories(outbox.resolve(".state/merges/gone-1"));
        Files.writeString(run.resolve("draft"), "{\"template\": {\"to\": \"{{email}}\", \"subject\": \"row-{{n}}\", "
                + "\"text\": \"hi\"}, \"rows\": \"files/rows.ndjson\"}");
        Files.writeString(run.resolve("rows.ndjson"), "{\"n\": 1, \"email\": \"a@example.org\"}\n"
                + "{\"n\": 2, \"email\": \"b@example.org\"}\n");
        // row 1 was rendered (the journal says row 2 is next), and its draft has since been deleted from .state/
        Files.writeString(run.resolve("journal.json"), JSON.writeValueAsString(Map.of("name", "g.merge.json",
                "folder", ".sent/" + day + "/g", "token", "t1k", "startedAt", OffsetDateTime.now().toString(), "rows", 2,
                "next", 2, "preview", false, "format", "NDJSON", "rowsFrom", "files/rows.ndjson")));
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            mailer.context().getRegistry().lookupByNameAndType("mergeRuns", MergeRuns.class).sweepEvery(Duration.ofMillis(200));
            Path summary = outbox.resolve(".sent/" + day + "/g/g.summary.json");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(summary));
            JsonNode s = JSON.readTree(summary.toFile());
            assertThat(s.get("sent").asInt()).isEqualTo(1);
            assertThat(s.get("failed")).hasSize(1);
            assertThat(s.get("failed").get(0).get("row").asInt()).isEqualTo(1);
            assertThat(s.get("failed").get(0).get("kind").asText()).isEqualTo("lost");
            assertThat(server.accepted()).hasSize(1);
            assertThat(server.accepted().get(0)).contains("Subject: row-2");
        }
    }
}
