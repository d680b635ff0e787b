package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.Instances.Instance;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SPEC §6 and §9 "a draft accepted by the server is not sent again after a crash": the packaged jar is killed
 * with SIGKILL in the middle of a backlog — with drafts claimed, in flight, and accepted but not yet filed —
 * and every draft ends sent, none missing, with no more duplicates at the server than drafts in flight at the
 * kill. Each test runs twice (issue 17, "the crash tests still pass with two instances"): the killed jar is
 * started again, or a standby that waited beside it ({@code cluster.mode=standby}) takes over and runs the
 * same recovery before it picks anything up.
 */
class CrashRecoveryIT {
    static final int DRAFTS = 400;
    static final Pattern SUBJECT = Pattern.compile("Subject: (crash-\\d+)");

    /** What carries on after the kill. */
    enum Successor {
        /** the killed jar, started again */
        RESTART,
        /** a second jar on the same outbox, waiting as the standby since before the kill */
        STANDBY
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Successor.class)
    void aKilledMailerLosesNothingAndResendsAtMostWhatWasInFlight(Successor successor) throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             Instances instances = new Instances(dir, "CrashRecoveryIT-" + successor)) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--outbox.settle-time=50");

            Instance first;
            Instance standby = null;
            if (successor == Successor.STANDBY) {
                first = instances.startAs("leader", args);
                standby = instances.startAs("standby", args);
                dropDrafts(outbox, DRAFTS); // the backlog arrives while both run
            } else {
                dropDrafts(outbox, DRAFTS);
                first = instances.start(args);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.accepted().size() >= DRAFTS / 4);
            long killedAt = Instances.kill(first);
            int acceptedAtKill = server.accepted().size();
            assertThat(acceptedAtKill).as("killed mid-backlog").isLessThan(DRAFTS);

            Instance second = instances.successor(standby, killedAt, args);
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> draftsLeft(outbox) == 0);
            } finally {
                PackagedJarIT.stop(second.process());
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
            System.out.printf("crash test (%s): %d accepted before the kill, %d duplicate(s)%n", successor, acceptedAtKill,
                    duplicates);
        }
    }

    @ParameterizedTest
    @EnumSource(Successor.class)
    void aKillWhileAcceptedMailWaitsToBeFiledNeitherLosesNorResendsIt(Successor successor) throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        int drafts = 20;
        dropDrafts(outbox, drafts);
        Files.writeString(outbox.resolve(".sent"), "a file where the folder should be: nothing can be filed");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             Instances instances = new Instances(dir, "CrashRecoveryIT-filing-" + successor)) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--outbox.settle-time=50", "--filing.retry-interval=200");
            Instance first = successor == Successor.STANDBY ? instances.startAs("leader", args) : instances.start(args);
            await().atMost(Duration.ofSeconds(60)).until(() -> first.logText().contains("FILING"));
            Thread.sleep(1_000); // retries of the filing, and of nothing else
            Instance standby = successor == Successor.STANDBY ? instances.startAs("standby", args) : null;
            long killedAt = Instances.kill(first);
            int acceptedAtKill = server.accepted().size();
            // the drafts in flight when filing first failed (outbox.in-flight, 16): no new one is claimed after that
            assertThat(acceptedAtKill).as("accepted, not filed").isBetween(1, 16);
            assertThat(listed(outbox.resolve(".state/claims"))).hasSize(acceptedAtKill);

            // the disk is mended before the next instance leads (a standby looks at the lock every 2 s, and takes
            // it once the heartbeat is 6 s old)
            Files.delete(outbox.resolve(".sent"));
            Instance second = instances.successor(standby, killedAt, args);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> draftsLeft(outbox) == 0
                        && listed(outbox.resolve(".state/claims")).isEmpty());
            } finally {
                PackagedJarIT.stop(second.process());
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
            assertThat(second.logText()).contains("Finished filing");
        }
    }

    /** Drafts {@code crash-0.eml} …, each written beside the outbox's pick-up and renamed into it whole. */
    private static void dropDrafts(Path outbox, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Path tmp = outbox.resolve("crash-" + i + ".eml.tmp");
            Files.writeString(tmp, "From: a@example.com\r\nTo: b@example.org\r\nSubject: crash-" + i + "\r\n\r\nbody " + i + "\r\n");
            Files.move(tmp, outbox.resolve("crash-" + i + ".eml"), StandardCopyOption.ATOMIC_MOVE);
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
