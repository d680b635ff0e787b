package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.ScriptedSmtpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §6 and §9 "a draft accepted by the server is not sent again after a crash": the packaged jar is killed
 * with SIGKILL in the middle of a backlog — with drafts claimed, in flight, and accepted but not yet filed —
 * started again, and every draft ends sent, none missing, with no more duplicates at the server than drafts
 * in flight at the kill.
 */
class CrashRecoveryIT {
    static final int DRAFTS = 400;
    static final Pattern SUBJECT = Pattern.compile("Subject: (crash-\\d+)");

    @TempDir
    Path dir;

    @Test
    void aKilledMailerLosesNothingAndResendsAtMostWhatWasInFlight() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        for (int i = 0; i < DRAFTS; i++) {
            Files.writeString(outbox.resolve("crash-" + i + ".eml"),
                    "From: a@example.com\r\nTo: b@example.org\r\nSubject: crash-" + i + "\r\n\r\nbody " + i + "\r\n");
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--outbox.settle-time=50");

            Process first = PackagedJarIT.start(dir, args, Map.of(), "first.log");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.accepted().size() >= DRAFTS / 4);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no graceful stop
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int acceptedAtKill = server.accepted().size();
            assertThat(acceptedAtKill).as("killed mid-backlog").isLessThan(DRAFTS);

            Process second = PackagedJarIT.start(dir, args, Map.of(), "second.log");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> draftsLeft(outbox) == 0);
            } finally {
                PackagedJarIT.stop(second);
            }

            Path sent;
            try (Stream<Path> days = Files.list(outbox.resolve(".sent"))) {
                sent = days.findFirst().orElseThrow();
            }
            Map<String, Integer> received = new HashMap<>();
            for (String message : server.accepted()) {
                Matcher m = SUBJECT.matcher(message);
                assertThat(m.find()).isTrue();
                received.merge(m.group(1), 1, Integer::sum);
            }
            int duplicates = 0;
            for (int i = 0; i < DRAFTS; i++) {
                String name = "crash-" + i;
                assertThat(sent.resolve(name + ".eml")).as("draft %s filed as sent", name).exists();
                assertThat(sent.resolve(name + ".eml.receipt.json")).exists();
                assertThat(received.get(name)).as("%s reached the server", name).isNotNull();
                duplicates += received.get(name) - 1;
            }
            assertThat(sent.resolve("crash-0-2.eml")).doesNotExist();
            // at most outbox.in-flight (4 × smtp.connections = 16 by default) drafts are in flight at once
            assertThat(duplicates).as("messages sent twice").isLessThanOrEqualTo(16);
            assertThat(outbox.resolve(".failed")).doesNotExist();
            assertThat(listed(outbox.resolve(".state/claims"))).as("no claim left behind").isEmpty();
            assertThat(listed(outbox.resolve(".state/waiting"))).as("no retry record left behind").isEmpty();
            System.out.printf("crash test: %d accepted before the kill, %d duplicate(s)%n", acceptedAtKill, duplicates);
        }
    }

    @Test
    void aKillWhileAcceptedMailWaitsToBeFiledNeitherLosesNorResendsIt() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        int drafts = 20;
        for (int i = 0; i < drafts; i++) {
            Files.writeString(outbox.resolve("crash-" + i + ".eml"),
                    "From: a@example.com\r\nTo: b@example.org\r\nSubject: crash-" + i + "\r\n\r\nbody " + i + "\r\n");
        }
        Files.writeString(outbox.resolve(".sent"), "a file where the folder should be: nothing can be filed");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--outbox.settle-time=50", "--filing.retry-interval=200");
            Process first = PackagedJarIT.start(dir, args, Map.of(), "first.log");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(dir.resolve("first.log")).contains("FILING"));
            Thread.sleep(1_000); // retries of the filing, and of nothing else
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int acceptedAtKill = server.accepted().size();
            // the drafts in flight when filing first failed (outbox.in-flight, 16): no new one is claimed after that
            assertThat(acceptedAtKill).as("accepted, not filed").isBetween(1, 16);
            assertThat(listed(outbox.resolve(".state/claims"))).hasSize(acceptedAtKill);

            Files.delete(outbox.resolve(".sent"));
            Process second = PackagedJarIT.start(dir, args, Map.of(), "second.log");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> draftsLeft(outbox) == 0
                        && listed(outbox.resolve(".state/claims")).isEmpty());
            } finally {
                PackagedJarIT.stop(second);
            }
            Map<String, Integer> received = new HashMap<>();
            for (String message : server.accepted()) {
                Matcher m = SUBJECT.matcher(message);
                assertThat(m.find()).isTrue();
                received.merge(m.group(1), 1, Integer::sum);
            }
            Path sent;
            try (Stream<Path> days = Files.list(outbox.resolve(".sent"))) {
                sent = days.findFirst().orElseThrow();
            }
            for (int i = 0; i < drafts; i++) {
                assertThat(sent.resolve("crash-" + i + ".eml.receipt.json")).exists();
                assertThat(received.get("crash-" + i)).as("crash-%d sent exactly once", i).isEqualTo(1);
            }
            assertThat(Files.readString(dir.resolve("second.log"))).contains("Finished filing");
        }
    }

    private static List<Path> listed(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    private static long draftsLeft(Path outbox) throws IOException {
        try (Stream<Path> files = Files.list(outbox)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }
}
