package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §7: attachment paths stay inside the outbox folder, and nothing outside it is read. */
class AttachmentJailTest {

    @TempDir
    Path base;

    Path outbox;
    Path secret;

    @BeforeEach
    void folders() throws Exception {
        outbox = Files.createDirectories(base.resolve("outbox"));
        Files.createDirectories(outbox.resolve("files"));
        Files.writeString(outbox.resolve("files/ok.txt"), "inside");
        secret = Files.writeString(base.resolve("secret.txt"), "top secret");
    }

    private String draftAttaching(String path) {
        return "{\"to\": \"bob@example.com\", \"text\": \"x\", \"attachments\": [{\"path\": \"" + path + "\"}]}";
    }

    private void assertRefused(String path, String... reasonParts) throws Exception {
        assertThatThrownBy(() -> Mails.compose("a.json", draftAttaching(path), outbox))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("attachments[0].path")
                .hasMessageContainingAll(reasonParts);
    }

    @Test
    void aFileInsideTheOutboxIsAttached() throws Exception {
        var got = Mails.received(Mails.compose("a.json", draftAttaching("files/ok.txt"), outbox));
        assertThat(Mails.bytesOf(Mails.part(got, 1))).isEqualTo("inside".getBytes());
        assertThat(Mails.part(got, 1).getFileName()).isEqualTo("ok.txt");
    }

    @Test
    void climbingOutWithDotDotIsRefused() throws Exception {
        assertRefused("../secret.txt", "\"../secret.txt\"", "..");
        assertRefused("files/../../secret.txt", "\"files/../../secret.txt\"", "..");
        assertRefused("files/..\\\\..\\\\secret.txt", "..");
    }

    @Test
    void absolutePathsAreRefused() throws Exception {
        assertRefused("/etc/passwd", "\"/etc/passwd\"", "absolute");
        assertRefused(secret.toString(), "absolute");
    }

    @Test
    void aLinkThatLeadsOutsideIsRefused() throws Exception {
        Files.createSymbolicLink(outbox.resolve("files/innocent.txt"), secret);
        Files.createSymbolicLink(outbox.resolve("outside"), base);
        assertRefused("files/innocent.txt", "\"files/innocent.txt\"", "outside the outbox folder");
        assertRefused("outside/secret.txt", "\"outside/secret.txt\"", "outside the outbox folder");
    }

    /** A named pipe outside: reading it would block, so a refusal within the timeout proves it was not opened. */
    @Test
    void aLinkToAPipeOutsideIsRefusedWithoutOpeningIt() throws Exception {
        Path pipe = base.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is available");
        Files.createSymbolicLink(outbox.resolve("files/pipe"), pipe);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertRefused("files/pipe", "outside the outbox folder"));
    }

    @Test
    void aLinkThatStaysInsideIsFollowed() throws Exception {
        Files.createSymbolicLink(outbox.resolve("files/alias.txt"), outbox.resolve("files/ok.txt"));
        var got = Mails.received(Mails.compose("a.json", draftAttaching("files/alias.txt"), outbox));
        assertThat(Mails.bytesOf(Mails.part(got, 1))).isEqualTo("inside".getBytes());
    }

    @Test
    void aFolderIsRefused() throws Exception {
        assertRefused("files", "\"files\"", "is a folder");
    }

    @Test
    void aMissingFileIsRefusedByName() throws Exception {
        assertRefused("files/nope.pdf", "\"files/nope.pdf\"", "does not exist");
    }

    @Test
    void pathsAreNotAllowedWhereThereIsNoOutboxFolder() {
        assertThatThrownBy(() -> Mails.compose("a.json", draftAttaching("files/ok.txt"), null))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("attachments by path are not allowed here; use content");
    }
}
