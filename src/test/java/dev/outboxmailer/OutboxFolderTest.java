package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox folder (SPEC §3), with no smtp.host: the sandbox receives the mail and keeps it as
 * sandbox/<n>.eml (SPEC §2).
 */
class OutboxFolderTest {
    @TempDir
    Path dir;
    RunningMailer mailer;

    static String eml(String subject) {
        return "From: a@example.com\r\nTo: b@example.org\r\nSubject: " + subject + "\r\n\r\nbody of " + subject + "\r\n";
    }

    @BeforeEach
    void start() throws Exception {
        mailer = RunningMailer.start(dir, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        mailer.close();
    }

    @Test
    void theSandboxKeepsEveryMessageAsNumberedEmlFiles() throws Exception {
        mailer.drop("one.eml", eml("one"));
        mailer.awaitReceipt("one.eml");
        mailer.drop("two.eml", eml("two"));
        mailer.awaitReceipt("two.eml");

        assertThat(Files.readString(mailer.sandbox.resolve("1.eml"))).contains("Subject: one").contains("body of one");
        assertThat(Files.readString(mailer.sandbox.resolve("2.eml"))).contains("Subject: two").contains("body of two");
    }

    @Test
    void hiddenTemporaryPartialAndNestedFilesAreLeftAlone() throws Exception {
        Files.writeString(mailer.outbox.resolve(".hidden.eml"), eml("hidden"));
        Files.writeString(mailer.outbox.resolve("draft.eml.tmp"), eml("tmp"));
        Files.writeString(mailer.outbox.resolve("upload.eml.part"), eml("part"));
        Files.createDirectories(mailer.outbox.resolve("files"));
        Files.writeString(mailer.outbox.resolve("files/nested.eml"), eml("nested"));

        mailer.drop("marker.eml", eml("marker")); // once this is sent, the others had their chance
        mailer.awaitReceipt("marker.eml");
        Thread.sleep(500);

        assertThat(mailer.outbox.resolve(".hidden.eml")).exists();
        assertThat(mailer.outbox.resolve("draft.eml.tmp")).exists();
        assertThat(mailer.outbox.resolve("upload.eml.part")).exists();
        assertThat(mailer.outbox.resolve("files/nested.eml")).exists();
        try (Stream<Path> kept = Files.list(mailer.sandbox)) {
            assertThat(kept).hasSize(1);
        }
    }

    @Test
    void aFileStillBeingWrittenIsNotPickedUpHalfWay() throws Exception {
        Path growing = mailer.outbox.resolve("slow.eml");
        String whole = eml("slow") + "x".repeat(2000) + "\r\n";
        byte[] bytes = whole.getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(growing)) {
            for (int i = 0; i < bytes.length; i += 100) {
                out.write(bytes, i, Math.min(100, bytes.length - i));
                out.flush();
                Thread.sleep(40); // 21 writes, ~0.8 s: much longer than a poll
            }
        }
        mailer.awaitReceipt("slow.eml");
        assertThat(Files.readString(mailer.sandbox.resolve("1.eml"))).contains("x".repeat(2000));
        assertThat(Files.readAllBytes(mailer.sentFolder().resolve("slow.eml"))).isEqualTo(bytes);
    }

    @Test
    void aRepeatedNameNeverOverwritesAnEarlierOutcome() throws Exception {
        mailer.drop("weekly.eml", eml("first"));
        mailer.awaitReceipt("weekly.eml");
        mailer.drop("weekly.eml", eml("second"));
        JsonNode second = mailer.awaitReceipt("weekly-2.eml");

        assertThat(Files.readString(mailer.sentFolder().resolve("weekly.eml"))).contains("first");
        assertThat(Files.readString(mailer.sentFolder().resolve("weekly-2.eml"))).contains("second");
        assertThat(second.get("draft").asText()).isEqualTo("weekly.eml");
    }

    @Test
    void anInvalidDraftGoesToFailedWithAReasonAndTheNextOneIsStillSent() throws Exception {
        Path bad = mailer.drop("nobody.eml", "From: a@example.com\r\nSubject: to nobody\r\n\r\nbody\r\n");
        JsonNode error = mailer.awaitError("nobody.eml");
        assertThat(error.get("kind").asText()).isEqualTo("invalid-draft");
        assertThat(error.get("reason").asText()).containsIgnoringCase("recipient");
        assertThat(error.get("attempts").asInt()).isZero();
        assertThat(error.get("failedAt").asText()).isNotBlank();
        assertThat(bad).doesNotExist();
        assertThat(mailer.failedFolder().resolve("nobody.eml")).exists();

        mailer.drop("fine.eml", eml("fine"));
        mailer.awaitReceipt("fine.eml");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(mailer.sandbox.resolve("1.eml")));
        try (Stream<Path> kept = Files.list(mailer.sandbox)) {
            assertThat(kept).hasSize(1);
        }
    }

    @Test
    void aSecondMailerOnTheSameOutboxRefusesToStart() {
        assertThatThrownBy(() -> RunningMailer.start(dir, Map.of()))
                .hasStackTraceContaining("another outbox-mailer is already watching");
    }
}
