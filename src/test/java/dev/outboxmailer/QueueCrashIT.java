package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.Instances.Instance;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.intake.QueueBroker;
import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §5 "a message leaves the queue only once sent or dead-lettered", under SIGKILL: the packaged jar with
 * its embedded broker is killed in the middle of a queue backlog and started again on the same broker
 * journal. Every message is then sent; none is lost, and no more are sent twice than were in flight.
 */
class QueueCrashIT {
    static final int MESSAGES = 400;
    static final int CONSUMERS = 4;
    static final Pattern SUBJECT = Pattern.compile("Subject: (crash #\\d+)");

    @TempDir
    Path dir;

    @Test
    void aKilledMailerLosesNoQueuedMessageAndResendsAtMostWhatWasInFlight() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        String url = "tcp://127.0.0.1:" + brokerPort;
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--mail.from=a@example.com", "--queue.embedded=true", "--queue.embedded-port=" + brokerPort,
                    "--queue.consumers=" + CONSUMERS);

            Process first = PackagedJarIT.start(dir, args, Map.of(), "first.log");
            awaitListening(brokerPort);
            // the broker takes logins only: the one it generated at its first start, kept in queue-data/
            QueueClient.Login login = QueueClient.Login.readFrom(dir.resolve("queue-data"));
            QueueClient.sendEnvelopes(url, login.user(), login.password(), "outbox", "crash", MESSAGES);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.accepted().size() >= MESSAGES / 4);
            first.destroyForcibly(); // SIGKILL: the app and its broker die mid-transaction
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            int acceptedAtKill = server.accepted().size();
            assertThat(acceptedAtKill).as("killed mid-backlog").isLessThan(MESSAGES);

            Process second = PackagedJarIT.start(dir, args, Map.of(), "second.log");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> received(server).size() >= MESSAGES);
                Thread.sleep(500);
                try (QueueClient client = new QueueClient(url, login.user(), login.password())) {
                    assertThat(client.receive("outbox.DLQ", 300)).isNull();
                    assertThat(client.receive("outbox", 300)).isNull();
                }
            } finally {
                PackagedJarIT.stop(second);
            }

            assertThat(QueueClient.Login.readFrom(dir.resolve("queue-data"))).as("the same login after a restart").isEqualTo(login);
            String log = Files.readString(dir.resolve("first.log")) + Files.readString(dir.resolve("second.log"));
            assertThat(log).contains(dir.resolve("queue-data").resolve("login.properties").toString())
                    .doesNotContain(login.password());

            Map<String, Integer> received = received(server);
            assertThat(received).hasSize(MESSAGES);
            int duplicates = received.values().stream().mapToInt(n -> n - 1).sum();
            // at most the messages in flight at the kill: one per consumer
            assertThat(duplicates).as("messages sent twice").isLessThanOrEqualTo(CONSUMERS);
            System.out.printf("queue crash test: %d accepted before the kill, %d duplicate(s)%n", acceptedAtKill, duplicates);
        }
    }

    /**
     * Issue 17, the same kill with two instances: a leader and its standby ({@code cluster.mode=standby}) on one
     * outbox, both consuming from one broker outside them (here in the test JVM, as the README advises: each
     * embedded broker is its own instance's). The leader is killed mid-backlog: the broker gives its
     * unfinished messages to the other, which also takes over the outbox, and every message is sent, none lost.
     */
    @Test
    void aKilledLeaderBesideItsStandbyLosesNoQueuedMessageAndResendsAtMostWhatWasInFlight() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        String url = "tcp://127.0.0.1:" + brokerPort;
        Map<String, String> brokerSettings = RunningMailer.embeddedQueue(brokerPort, dir.resolve("broker"));
        try (QueueBroker broker = QueueBroker.start(QueueSettings.read(k -> Optional.ofNullable(brokerSettings.get(k))).orElseThrow());
             ScriptedSmtpServer server = ScriptedSmtpServer.start();
             Instances instances = new Instances(dir, "QueueCrashIT-STANDBY")) {
            List<String> args = List.of("--smtp.host=127.0.0.1", "--smtp.port=" + server.port(), "--smtp.security=plain",
                    "--mail.from=a@example.com", "--queue.url=" + url, "--queue.username=" + QueueClient.USER,
                    "--queue.password=" + QueueClient.PASSWORD, "--queue.consumers=" + CONSUMERS);
            Instance leader = instances.startAs("leader", args);
            Instance standby = instances.startAs("standby", args);

            QueueClient.sendEnvelopes(url, "outbox", "crash", MESSAGES);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.accepted().size() >= MESSAGES / 4);
            long killedAt = Instances.kill(leader);
            int acceptedAtKill = server.accepted().size();
            assertThat(acceptedAtKill).as("killed mid-backlog").isLessThan(MESSAGES);
            Instances.awaitTakeover(standby, killedAt);

            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> received(server).size() >= MESSAGES);
                Thread.sleep(500);
                try (QueueClient client = new QueueClient(url)) {
                    assertThat(client.receive("outbox.DLQ", 300)).isNull();
                    assertThat(client.receive("outbox", 300)).isNull();
                }
            } finally {
                PackagedJarIT.stop(standby.process());
            }
            Map<String, Integer> received = received(server);
            assertThat(received).hasSize(MESSAGES);
            int duplicates = received.values().stream().mapToInt(n -> n - 1).sum();
            // at most the killed instance's messages in flight: one per consumer
            assertThat(duplicates).as("messages sent twice").isLessThanOrEqualTo(CONSUMERS);
            System.out.printf("queue crash test (STANDBY): %d accepted before the kill, %d duplicate(s)%n", acceptedAtKill,
                    duplicates);
        }
    }

    static Map<String, Integer> received(ScriptedSmtpServer server) {
        Map<String, Integer> received = new HashMap<>();
        for (String message : server.accepted()) {
            Matcher m = SUBJECT.matcher(message);
            assertThat(m.find()).as("a crash message: %s", message).isTrue();
            received.merge(m.group(1), 1, Integer::sum);
        }
        return received;
    }

    static void awaitListening(int port) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }
}
