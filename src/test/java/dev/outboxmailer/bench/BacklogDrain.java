package dev.outboxmailer.bench;

import dev.outboxmailer.support.ScriptedSmtpServer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SPEC §9 "a backlog of 100,000 drafts drains with each sent once, in bounded memory": the packaged jar, with
 * a 96 MB heap, on an outbox holding N small drafts, delivering to an in-JVM SMTP server that counts what it
 * receives. Prints the drain time, the rate, the duplicates (must be 0), the drafts filed, and the mailer's
 * peak resident memory.
 *
 * <p>{@code java -cp … dev.outboxmailer.bench.BacklogDrain [drafts]} (default 100,000; bench/run runs it).
 */
public final class BacklogDrain {
    private static final Pattern SUBJECT = Pattern.compile("Subject: (d-\\d+)");

    public static void main(String[] args) throws Exception {
        int drafts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path dir = Files.createTempDirectory("backlog-drain");
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        for (int i = 0; i < drafts; i++) {
            Files.writeString(outbox.resolve("d-" + i + ".eml"),
                    "From: a@example.com\r\nTo: b@example.org\r\nSubject: d-" + i + "\r\n\r\nbody " + i + "\r\n");
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            // a copy: a build during the run must not change the jar under the running mailer
            Path jar = Files.copy(Path.of("target/outbox-mailer.jar"), dir.resolve("outbox-mailer.jar"));
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx96m", "-jar", jar.toString(), "--smtp.host=127.0.0.1", "--smtp.port=" + server.port(),
                    "--smtp.security=plain", "--camel.management.port=0", "--outbox.settle-time=50",
                    "--progress.interval=30s");
            long start = System.nanoTime();
            Process mailer = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mailer.log").toFile()).start();
            long peakKb = 0;
            long deadline = start + TimeUnit.MINUTES.toNanos(60);
            while (System.nanoTime() < deadline && mailer.isAlive()) {
                peakKb = Math.max(peakKb, residentKb(mailer.pid()));
                if (server.accepted().size() >= drafts && left(outbox) == 0 && left(outbox.resolve(".state/claims")) == 0) {
                    break;
                }
                Thread.sleep(500);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            peakKb = Math.max(peakKb, residentKb(mailer.pid()));
            mailer.destroy();
            mailer.waitFor(30, TimeUnit.SECONDS);
            Map<String, Integer> received = new HashMap<>();
            for (String message : server.accepted()) {
                Matcher m = SUBJECT.matcher(message);
                if (m.find()) {
                    received.merge(m.group(1), 1, Integer::sum);
                }
            }
            int duplicates = received.values().stream().mapToInt(n -> n - 1).sum();
            long filed = count(outbox.resolve(".sent"), ".receipt.json");
            System.out.printf("backlog of %,d drafts (-Xmx96m): drained in %.1f s = %.0f msg/s; received %,d distinct, "
                            + "%d duplicate(s), %,d missing; %,d receipts filed; peak RSS %d MB%n",
                    drafts, seconds, drafts / seconds, received.size(), duplicates, drafts - received.size(), filed,
                    peakKb / 1024);
        } finally {
            Scratch.remove(dir);
        }
    }

    private static long left(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        long n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path f : files) {
                if (!f.getFileName().toString().startsWith(".")) {
                    n++;
                }
            }
        }
        return n;
    }

    private static long count(Path sent, String suffix) throws IOException {
        long n = 0;
        if (!Files.isDirectory(sent)) {
            return 0;
        }
        List<Path> days = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(sent)) {
            d.forEach(days::add);
        }
        for (Path day : days) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(day, "*" + suffix)) {
                for (Path ignored : files) {
                    n++;
                }
            }
        }
        return n;
    }

    /** VmHWM (the peak resident set) of a process, from /proc. */
    static long residentKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended
        }
        return 0;
    }
}
