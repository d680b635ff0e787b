package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.PlainSmtpServer;
import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import jakarta.jms.Message;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §5 "several instances on one broker share the work; each message is sent once": two instances of
 * the application (two CamelContexts with their own outboxes) consume one queue; one of them embeds the
 * broker, the other is pointed at it with {@code queue.url}, as it would be at an external broker.
 */
class QueueScaleOutTest {
    static final int MESSAGES = 1_000;

    @TempDir
    Path dir;

    static Map<String, String> smtp(int port) {
        Map<String, String> s = new HashMap<>();
        s.put("smtp.host", "127.0.0.1");
        s.put("smtp.port", String.valueOf(port));
        s.put("smtp.security", "plain");
        s.put("mail.from", "Outbox Mailer <mailer@example.com>");
        return s;
    }

    @Test
    void twoInstancesOnOneBrokerSendEveryMessageExactlyOnceAndBothDoWork() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        String url = "tcp://127.0.0.1:" + brokerPort;
        try (PlainSmtpServer server = new PlainSmtpServer()) {
            Map<String, String> a = smtp(server.port());
            a.putAll(RunningMailer.embeddedQueue(brokerPort, dir.resolve("broker")));
            a.put("queue.instance-id", "instance-a");
            Map<String, String> b = smtp(server.port());
            b.putAll(RunningMailer.externalQueue(url));
            b.put("queue.instance-id", "instance-b");
            try (RunningMailer first = RunningMailer.start(dir.resolve("a"), a);
                 RunningMailer second = RunningMailer.start(dir.resolve("b"), b);
                 QueueClient client = new QueueClient(url)) {
                long start = System.nanoTime();
                QueueClient.sendEnvelopes(url, "outbox", "scale-out", MESSAGES);

                await().atMost(Duration.ofSeconds(45)).until(() -> server.received().length >= MESSAGES);
                List<Message> receipts = new ArrayList<>();
                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    receipts.addAll(client.drain("outbox.receipts", 200));
                    return receipts.size() >= MESSAGES;
                });
                double seconds = (System.nanoTime() - start) / 1e9;
                Thread.sleep(500); // anything sent twice would have arrived by now

                Map<String, Long> subjects = java.util.Arrays.stream(server.received())
                        .map(QueueScaleOutTest::subject).collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                assertThat(subjects).hasSize(MESSAGES);
                assertThat(subjects.values()).allMatch(n -> n == 1L);
                assertThat(server.received()).hasSize(MESSAGES);
                Map<String, Long> perInstance = receipts.stream().map(QueueScaleOutTest::instance)
                        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                assertThat(receipts).hasSize(MESSAGES);
                assertThat(perInstance).containsOnlyKeys("instance-a", "instance-b");
                assertThat(perInstance.get("instance-a")).isGreaterThan(MESSAGES / 10);
                assertThat(perInstance.get("instance-b")).isGreaterThan(MESSAGES / 10);
                assertThat(client.receive("outbox.DLQ", 200)).isNull();
                assertThat(client.receive("outbox", 200)).isNull();
                System.out.printf("two instances: %d messages in %.1f s, %s%n", MESSAGES, seconds, perInstance);
            }
        }
    }

    static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String instance(Message m) {
        try {
            return m.getStringProperty("outboxInstance");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
