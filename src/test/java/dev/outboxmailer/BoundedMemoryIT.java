package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9, "bounded memory": the packaged jar with a 96 MB heap is given 2 GB drafts of every format
 * (sparse files: nothing is written to disk) and an .eml whose header block never ends. Each fails as
 * invalid-draft with a size reason, unread, and a normal draft after them is sent.
 */
class BoundedMemoryIT {
    private static final long TWO_GB = 2L * 1024 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void twoGigabyteDraftsFailAsInvalidDraftsWithA96MegabyteHeapAndTheMailerKeepsServing() throws Exception {
        Process app = start(List.of("--mail.from=Mailer <mailer@example.com>", "--mail.to=ops@example.org",
                "--outbox.settle-time=100", "--outbox.poll-delay=100"));
        try {
            Path outbox = dir.resolve("outbox");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(outbox));
            Map<String, String> reasons = new LinkedHashMap<>();
            for (String name : List.of("huge.json", "huge.yaml", "huge.txt", "huge.md", "huge.eml")) {
                sparse(outbox, name);
                reasons.put(name, "the draft is 2.0 GB, over the 25.0 MB limit for a message (mail.max-size); it was not read");
            }
            sparse(outbox, "huge.bin");
            reasons.put("huge.bin", "the file is 2.0 GB, over the 25.0 MB limit for a message (mail.max-size)");
            endlessHeaders(outbox, "headers.eml");
            reasons.put("headers.eml", "the header block of the .eml is over 1.0 MB");

            ObjectMapper json = new ObjectMapper();
            for (Map.Entry<String, String> expected : reasons.entrySet()) {
                Path error = outbox.resolve(".failed").resolve(expected.getKey() + ".error.json");
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(error) && Files.size(error) > 0);
                JsonNode report = json.readTree(error.toFile());
                assertThat(report.get("kind").asText()).as(expected.getKey()).isEqualTo("invalid-draft");
                assertThat(report.get("reason").asText()).as(expected.getKey()).contains(expected.getValue());
            }
            assertThat(app.isAlive()).isTrue();

            Files.writeString(outbox.resolve("after.eml.tmp"), "To: bob@example.org\r\nSubject: after the big ones\r\n\r\nhi\r\n");
            Files.move(outbox.resolve("after.eml.tmp"), outbox.resolve("after.eml"));
            Path kept = dir.resolve("sandbox").resolve("1.eml");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(kept) && Files.size(kept) > 0);
            assertThat(Files.readString(kept, StandardCharsets.UTF_8)).contains("Subject: after the big ones");
        } finally {
            PackagedJarIT.stop(app);
        }
        assertThat(Files.readString(dir.resolve("app.log"))).doesNotContain("OutOfMemoryError");
    }

    /** Attachments still stream from the file opened once: 100 MB goes out with the same 96 MB heap. */
    @Test
    void aHundredMegabyteAttachmentIsStillStreamedFromTheOpenFile() throws Exception {
        Path files = Files.createDirectories(dir.resolve("outbox/files"));
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(3).nextBytes(chunk);
        try (OutputStream out = Files.newOutputStream(files.resolve("video.bin"))) {
            for (int i = 0; i < 100; i++) {
                out.write(chunk);
            }
        }
        Process app = start(List.of("--mail.from=Mailer <mailer@example.com>", "--mail.max-size=200MB",
                "--outbox.settle-time=100", "--outbox.poll-delay=100"));
        try {
            Path outbox = dir.resolve("outbox");
            Files.writeString(outbox.resolve("big.json.tmp"), "{\"to\": \"bob@example.org\", \"subject\": \"100 MB\", "
                    + "\"text\": \"see attachment\", \"attachments\": [{\"path\": \"files/video.bin\"}]}");
            Files.move(outbox.resolve("big.json.tmp"), outbox.resolve("big.json"));
            Path kept = dir.resolve("sandbox").resolve("1.eml");
            Path receipts = outbox.resolve(".sent");
            await().atMost(Duration.ofMinutes(3)).until(() -> !app.isAlive() || Files.exists(outbox.resolve(".failed/big.json.error.json"))
                    || (Files.isDirectory(receipts) && Files.walk(receipts).anyMatch(f -> f.endsWith("big.json.receipt.json"))));
            assertThat(Files.exists(outbox.resolve(".failed/big.json.error.json"))).as("failed").isFalse();
            assertThat(Files.size(kept)).isGreaterThan(130L * 1024 * 1024); // base64 of 100 MB
        } finally {
            PackagedJarIT.stop(app);
        }
        assertThat(Files.readString(dir.resolve("app.log"))).doesNotContain("OutOfMemoryError");
    }

    /** A 2 GB file of zeros that takes no disk space, dropped as a user does (written aside, then renamed). */
    private static void sparse(Path outbox, String name) throws IOException {
        Path part = outbox.resolve(name + ".part");
        try (RandomAccessFile file = new RandomAccessFile(part.toFile(), "rw")) {
            file.setLength(TWO_GB);
        }
        Files.move(part, outbox.resolve(name));
    }

    /** An .eml under mail.max-size whose header block goes on for 20 MB without the blank line that ends it. */
    private static void endlessHeaders(Path outbox, String name) throws IOException {
        Path part = outbox.resolve(name + ".part");
        byte[] line = ("X-Padding: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(part)) {
            out.write("To: bob@example.org\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 20 * 1024; i++) {
                out.write(line);
            }
        }
        Files.move(part, outbox.resolve(name));
    }

    /** The packaged jar with a 96 MB heap, in {@code dir}, its output in {@code dir/app.log}. */
    private Process start(List<String> args) throws IOException {
        assertThat(PackagedJarIT.JAR).as("run 'mvn package' first").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-jar", PackagedJarIT.JAR.toString(), "--camel.management.port=0"));
        command.addAll(args);
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("app.log").toFile()).start();
    }
}
