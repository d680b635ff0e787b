package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.Instances.Instance;
import dev.outboxmailer.support.SmtpsServer;
import dev.outboxmailer.support.TestCertificates;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, {@code cluster.mode=standby}: two packaged jars on one outbox, a backlog, and the leader killed
 * with SIGKILL in the middle of it three times — each time the standby takes over within 15 s (its health says
 * {@code leader}, the other's {@code standby}), the killed one is started again as the new standby, and at the
 * end every draft was delivered over SMTPS and filed once, with no more duplicates at the server than drafts in
 * flight ({@code outbox.in-flight}, here as many as connections) per kill. A mailer without {@code cluster.mode} on the same folder still
 * stops at start, naming the folder; a leader whose heartbeat file is gone steps down and exits with code 3.
 */
class StandbyIT {
    /** A batch of drafts is dropped before each kill: the backlog each leader is killed in the middle of. */
    static final int BATCH = 80;
    static final int KILLS = 3;
    static final int DRAFTS = BATCH * KILLS;
    static final int CONNECTIONS = 4;
    /** Drafts in flight: set to the connections here, so the bound on duplicates stays tight. */
    static final int IN_FLIGHT = CONNECTIONS;
    static final Duration TAKEOVER = Instances.TAKEOVER;

    @TempDir
    Path dir;

    @Test
    void theStandbyTakesOverFromAKilledLeaderThreeTimesAndNothingIsLost() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        // a watched folder too (the packaged routes, plus the route template for it): opened by the leader only
        Path scans = dir.resolve("scans");
        Path routes = Files.createDirectories(dir.resolve("routes"));
        for (String file : OutboxMailer.PACKAGED_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("scans.yaml"), "- templatedRoute:\n    routeTemplateRef: watched-folder\n"
                + "    parameters:\n      - { name: folder, value: \"" + scans + "\" }\n");
        try (SmtpsServer server = SmtpsServer.open(); Instances instances = new Instances(dir, "StandbyIT")) {
            List<String> args = List.of("--cluster.mode=standby", "--outbox.dir=" + outbox,
                    "--smtp.host=localhost", "--smtp.port=" + server.port(), "--smtp.security=ssl",
                    "--smtp.trust-store=" + TestCertificates.install().caPem, "--smtp.connections=" + CONNECTIONS,
                    "--outbox.in-flight=" + IN_FLIGHT,
                    // slow enough that the backlog outlasts three takeovers
                    "--smtp.rate-limit=20/s", "--outbox.settle-time=50", "--filing.retry-interval=200");
            Instance leader = instances.start(args);
            Instances.awaitRole(leader, "leader", Duration.ofSeconds(60));
            Instance standby = instances.start(args);
            Instances.awaitRole(standby, "standby", Duration.ofSeconds(60));
            assertThat(log(standby)).contains("STANDBY").contains("waits for " + outbox.resolve(".state/instance.lock"));

            // a mailer without cluster.mode on the same folder stops, as before
            Process plain = PackagedJarIT.start(dir, List.of("--outbox.dir=" + outbox, "--smtp.host=localhost",
                    "--smtp.port=" + server.port(), "--camel.management.port=0"), Map.of(), "plain.log");
            assertThat(plain.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(plain.exitValue()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("plain.log"))).contains("another outbox-mailer is already watching");

            // the watched folder is the leader's (its lock, its recovery), not the standby's
            assertThat(log(leader)).contains("Watching " + scans + " as well");
            assertThat(log(standby)).doesNotContain("Watching " + scans);
            List<Long> takeovers = new ArrayList<>();
            for (int kill = 1; kill <= KILLS; kill++) {
                int first = (kill - 1) * BATCH;
                for (int i = first; i < first + BATCH; i++) {
                    Files.writeString(folderOf(outbox, scans, i).resolve("standby-" + i + ".eml"),
                            "From: a@example.com\r\nTo: b@example.org\r\nSubject: standby-" + i + "\r\n\r\nbody " + i + "\r\n");
                }
                int due = Math.max(first, server.received().length) + 20;
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> server.received().length >= due);
                assertThat(Instances.role(leader)).isEqualTo("leader");
                assertThat(Instances.role(standby)).isEqualTo("standby");

                System.out.printf("kill %d: %s at %d received%n", kill, leader.log().getFileName(), server.received().length);
                long killedAt = Instances.kill(leader);
                int atKill = server.received().length;
                assertThat(atKill).as("killed mid-backlog").isLessThan(first + BATCH);

                takeovers.add(Instances.awaitTakeover(standby, killedAt));
                // SPEC §9's recovery ran before the pick-up route started: the killed leader's claims (the drafts it
                // had in flight, held back by the rate limit) were put back by it
                Instances.assertRecoveredBeforePickingUp(standby);
                String newLeaderLog = log(standby);
                assertThat(newLeaderLog.indexOf("were claimed but not sent when the last run stopped")).isPositive()
                        .isLessThan(newLeaderLog.indexOf("recovered in"));

                Instance restarted = instances.start(args); // the killed one comes back as the standby
                Instances.awaitRole(restarted, "standby", Duration.ofSeconds(60));
                leader = standby;
                standby = restarted;
            }

            await().atMost(Duration.ofSeconds(90)).until(() -> draftsLeft(outbox) + draftsLeft(scans) == 0
                    && listed(outbox.resolve(".state/claims")).isEmpty() && listed(scans.resolve(".state/claims")).isEmpty());
            assertThat(Instances.role(leader)).isEqualTo("leader");
            assertThat(Instances.role(standby)).isEqualTo("standby");
            // the console says so too: the standby's Outbox page, not the leader's
            assertThat(dev.outboxmailer.support.RunningMailer.get(standby.management(), "/").getValue())
                    .contains("id=\"standby\"", "is the standby: it sends nothing");
            assertThat(dev.outboxmailer.support.RunningMailer.get(leader.management(), "/").getValue())
                    .contains("<h2>Waiting</h2>").doesNotContain("id=\"standby\"");

            Map<String, Integer> received = new HashMap<>();
            for (MimeMessage message : server.received()) {
                received.merge(message.getSubject(), 1, Integer::sum);
            }
            int duplicates = 0;
            for (int i = 0; i < DRAFTS; i++) {
                Path sent = sentFolder(folderOf(outbox, scans, i));
                String name = "standby-" + i;
                assertThat(sent.resolve(name + ".eml")).as("%s filed as sent", name).exists();
                assertThat(sent.resolve(name + ".eml.receipt.json")).exists();
                assertThat(received.get(name)).as("%s reached the server", name).isNotNull();
                duplicates += received.get(name) - 1;
            }
            assertThat(sentFolder(outbox).resolve("standby-1-2.eml")).doesNotExist();
            assertThat(scans.resolve(".failed")).doesNotExist();
            assertThat(duplicates).as("messages sent twice: at most the drafts in flight at each kill")
                    .isLessThanOrEqualTo(KILLS * IN_FLIGHT);
            assertThat(outbox.resolve(".failed")).doesNotExist();
            assertThat(listed(outbox.resolve(".state/waiting"))).as("no retry record left behind").isEmpty();
            System.out.printf("standby test: takeovers %s ms, %d duplicate(s)%n", takeovers, duplicates);

            // the leader's state on disk is gone (its heartbeat file): it steps down and exits with code 3,
            // and the standby takes over
            Files.delete(outbox.resolve(".state/instance.lock.dat"));
            assertThat(leader.process().waitFor(30, TimeUnit.SECONDS)).as("the leader exits").isTrue();
            assertThat(leader.process().exitValue()).isEqualTo(3);
            assertThat(log(leader)).contains("STEPPING DOWN");
            Instances.awaitRole(standby, "leader", TAKEOVER.plusSeconds(5));
        }
    }

    /** Every tenth draft goes to the watched folder. */
    private static Path folderOf(Path outbox, Path scans, int i) throws IOException {
        return i % 10 == 0 ? Files.createDirectories(scans) : outbox;
    }

    private static Path sentFolder(Path folder) throws IOException {
        try (Stream<Path> days = Files.list(folder.resolve(".sent"))) {
            return days.findFirst().orElseThrow();
        }
    }

    private static String log(Instance instance) throws IOException {
        return instance.logText();
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
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(outbox)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }
}
