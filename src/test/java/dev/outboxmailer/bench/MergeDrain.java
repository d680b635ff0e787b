package dev.outboxmailer.bench;

import dev.outboxmailer.support.ScriptedSmtpServer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SPEC §13 "rows stream: 100,000 rows in bounded memory": the packaged jar, with a 96 MB heap, runs a mail merge
 * of N NDJSON rows to an in-JVM SMTP server that counts what it receives; and, for comparison in the same run,
 * drains a backlog of M plain drafts (small JSON envelopes, the mail a row becomes) the same way. Prints both
 * rates, the duplicates and missing rows (must be 0), and the mailer's peak resident memory.
 *
 * <p>{@code java -cp … dev.outboxmailer.bench.MergeDrain [rows] [plain drafts]} (default 100,000 and 10,000;
 * bench/run runs it).
 */
public final class MergeDrain {
    private static final Pattern SUBJECT = Pattern.compile("Subject: ([dr]-\\d+)");
    private static final List<Path> FOLDERS = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int plain = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Run drafts;
        Run merge;
        try {
            drafts = plain > 0 ? run(plain, false) : null;
            merge = run(rows, true);
        } finally { // not between the runs: see Scratch
            for (Path dir : FOLDERS) {
                Scratch.remove(dir);
            }
        }
        if (drafts != null) {
            System.out.printf("plain drafts: %,d JSON envelopes (-Xmx96m) in %.1f s = %.0f msg/s; %d duplicate(s), "
                    + "%,d missing; peak RSS %d MB%n", plain, drafts.seconds, plain / drafts.seconds, drafts.duplicates,
                    drafts.missing, drafts.peakMb);
        }
        System.out.printf("merge of %,d NDJSON rows (-Xmx96m): sent in %.1f s = %.0f rows/s (%.2f× plain drafts); "
                        + "%d duplicate(s), %,d missing; summary %s; peak RSS %d MB%n", rows, merge.seconds,
                rows / merge.seconds, drafts == null ? Double.NaN : (rows / merge.seconds) / (plain / drafts.seconds),
                merge.duplicates, merge.missing, merge.summary ? "written" : "MISSING", merge.peakMb);
    }

    private record Run(double seconds, int duplicates, int missing, boolean summary, long peakMb) {}

    private static Run run(int n, boolean merge) throws Exception {
        Path dir = Files.createTempDirectory(merge ? "merge-drain" : "plain-drain");
        FOLDERS.add(dir);
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        if (merge) {
            Files.createDirectories(outbox.resolve("files"));
            try (BufferedWriter out = Files.newBufferedWriter(outbox.resolve("files/rows.ndjson"))) {
                for (int i = 0; i < n; i++) {
                    out.write("{\"n\": " + i + ", \"name\": \"Zoë " + i + "\", \"email\": \"r" + i + "@example.org\"}\n");
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                Files.writeString(outbox.resolve("d-" + i + ".json"), "{\"to\": \"Zoë " + i + " <r" + i
                        + "@example.org>\", \"subject\": \"d-" + i + "\", \"text\": \"Dear Zoë " + i + ", hello.\"}");
            }
        }
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            Path jar = Files.copy(Path.of("target/outbox-mailer.jar"), dir.resolve("outbox-mailer.jar"));
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx96m", "-jar", jar.toString(), "--smtp.host=127.0.0.1", "--smtp.port=" + server.port(),
                    "--smtp.security=plain", "--camel.management.port=0", "--outbox.settle-time=50",
                    "--mail.from=a@example.com", "--progress.interval=30s");
            Process mailer = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mailer.log").toFile()).start();
            long start = System.nanoTime();
            Path summary = outbox.resolve(".sent").resolve(LocalDate.now().toString()).resolve("rows/rows.summary.json");
            if (merge) {
                Thread.sleep(3_000); // started: the run is timed from the drop, like the plain drafts from the start
                start = System.nanoTime();
                Files.writeString(outbox.resolve(".rows.tmp"), "{\"template\": {\"to\": \"{{name}} <{{email}}>\", "
                        + "\"subject\": \"r-{{n}}\", \"text\": \"Dear {{name}}, hello.\"}, \"rows\": \"files/rows.ndjson\"}");
                Files.move(outbox.resolve(".rows.tmp"), outbox.resolve("rows.merge.json"));
            }
            long peakKb = 0;
            long deadline = start + TimeUnit.MINUTES.toNanos(60);
            while (System.nanoTime() < deadline && mailer.isAlive()) {
                peakKb = Math.max(peakKb, BacklogDrain.residentKb(mailer.pid()));
                boolean done = merge ? Files.exists(summary)
                        : server.accepted().size() >= n && left(outbox) == 0 && left(outbox.resolve(".state/claims")) == 0;
                if (done) {
                    break;
                }
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            peakKb = Math.max(peakKb, BacklogDrain.residentKb(mailer.pid()));
            mailer.destroy();
            mailer.waitFor(30, TimeUnit.SECONDS);
            Map<String, Integer> received = new HashMap<>();
            for (String message : server.accepted()) {
                Matcher m = SUBJECT.matcher(message);
                if (m.find()) {
                    received.merge(m.group(1), 1, Integer::sum);
                }
            }
            int duplicates = received.values().stream().mapToInt(k -> k - 1).sum();
            Run result = new Run(seconds, duplicates, n - received.size(), Files.exists(summary), peakKb / 1024);
            Scratch.settle();
            return result;
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
}
