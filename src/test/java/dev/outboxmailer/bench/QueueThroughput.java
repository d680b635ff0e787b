package dev.outboxmailer.bench;

import dev.outboxmailer.support.PlainSmtpServer;
import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Queue → SMTP throughput: the real application (real YAML routes) with its embedded Artemis broker,
 * delivering to a local SMTP sink (GreenMail, plain SMTP on loopback). N JSON envelopes are put on the
 * queue in transactions of 100, then the clock runs until the sink has received all N. Prints one line:
 * {@code queue→smtp: N msgs in X s = Y msg/s}.
 *
 * <p>Arguments: {@code [messages (default 2000)] [queue.consumers (default 4)] [smtp.connections (default 4)]}.
 */
public final class QueueThroughput {
    private QueueThroughput() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        String consumers = args.length > 1 ? args[1] : "4";
        String connections = args.length > 2 ? args[2] : "4";
        Path dir = Files.createTempDirectory("queue-throughput");
        int brokerPort = ScriptedSmtpServer.freePort();
        try (PlainSmtpServer sink = new PlainSmtpServer()) {
            Map<String, String> settings = new HashMap<>(RunningMailer.embeddedQueue(brokerPort, dir.resolve("broker")));
            settings.put("queue.receipts", "false");
            settings.put("queue.consumers", consumers);
            settings.put("smtp.connections", connections);
            settings.put("smtp.host", "127.0.0.1");
            settings.put("smtp.port", String.valueOf(sink.port()));
            settings.put("smtp.security", "plain");
            settings.put("mail.from", "Bench <bench@example.com>");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                long start = System.nanoTime();
                QueueClient.sendEnvelopes("tcp://127.0.0.1:" + brokerPort, "outbox", "bench", messages);
                long deadline = start + 600_000_000_000L;
                while (sink.received().length < messages && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                int received = sink.received().length;
                System.out.println(String.format(Locale.ROOT, "queue→smtp: %d msgs in %.2f s = %.1f msg/s%s", received,
                        seconds, received / seconds, received < messages ? " (TIMED OUT: " + messages + " sent)" : ""));
            }
        } finally {
            Scratch.remove(dir);
        }
        System.exit(0);
    }
}
