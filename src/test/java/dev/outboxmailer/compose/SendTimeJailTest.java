package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.internet.InternetAddress;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9, "the jail holds at send time": what is written to the server is the regular file that was
 * checked inside the outbox when the draft was composed, whatever happens to its name or folders before
 * the message is written; links, hard links, named pipes and /proc are refused without being read.
 */
class SendTimeJailTest {

    @TempDir
    Path base;

    Path outbox;
    Path outside;

    @BeforeEach
    void folders() throws Exception {
        outbox = Files.createDirectories(base.resolve("outbox"));
        outside = Files.createDirectories(base.resolve("outside"));
        Files.createDirectories(outbox.resolve("d"));
        Files.writeString(outbox.resolve("d/report.txt"), "original report");
        Files.writeString(outbox.resolve("d/environ"), "original environ");
        Files.writeString(outside.resolve("report.txt"), "SECRET outside the outbox");
    }

    private static Composer composer() throws Exception {
        return new Composer(new ComposeSettings(new InternetAddress("Mailer <mailer@example.com>"),
                List.of(new InternetAddress("ops@example.org")), Mails.MAX));
    }

    private Draft dropped(String name, String content) throws Exception {
        Path file = Files.writeString(outbox.resolve(name), content);
        return Draft.ofFile(name, file, outbox);
    }

    /** {@code mv d d.old; ln -s target d}: the attack, after the draft was composed. */
    private void swapFolderForLinkTo(Path target) throws Exception {
        Files.move(outbox.resolve("d"), outbox.resolve("d.old"));
        Files.createSymbolicLink(outbox.resolve("d"), target);
    }

    private static String attachment(OutgoingMessage message) throws Exception {
        return new String(Mails.bytesOf(Mails.part(Mails.received(message), 1)), StandardCharsets.UTF_8);
    }

    private static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).start();
        Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo is available");
    }

    @Test
    void anEnvelopeAttachmentIsTheFileCheckedEvenAfterItsFolderBecameALinkOutside() throws Exception {
        try (Draft draft = dropped("a.json", "{\"to\": \"bob@example.com\", \"text\": \"x\", "
                + "\"attachments\": [{\"path\": \"d/report.txt\"}]}")) {
            OutgoingMessage message = composer().compose(draft);
            swapFolderForLinkTo(outside);
            assertThat(Mails.latin1(Mails.transmitted(message))).doesNotContain("SECRET")
                    .doesNotContain(java.util.Base64.getEncoder().encodeToString("SECRET".getBytes()).substring(0, 6));
            assertThat(attachment(message)).isEqualTo("original report");
        }
    }

    @Test
    void aNoteAttachmentIsTheFileCheckedEvenAfterItsFolderBecameALinkToProcSelf() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/environ")), "/proc is there");
        try (Draft draft = dropped("n.txt", "To: bob@example.com\nAttach: d/environ\n\nsee attached\n")) {
            OutgoingMessage message = composer().compose(draft);
            swapFolderForLinkTo(Path.of("/proc/self"));
            assertThat(attachment(message)).isEqualTo("original environ");
            // and written a second time (a retry on another connection): still the same file
            assertThat(attachment(message)).isEqualTo("original environ");
        }
    }

    @Test
    void aBareFileIsTheFileCheckedEvenAfterItsNameBecameALinkOutside() throws Exception {
        try (Draft draft = dropped("scan.bin", "original scan")) {
            OutgoingMessage message = composer().compose(draft);
            Files.delete(outbox.resolve("scan.bin"));
            Files.createSymbolicLink(outbox.resolve("scan.bin"), outside.resolve("report.txt"));
            assertThat(attachment(message)).isEqualTo("original scan");
        }
    }

    @Test
    void anEmlIsStreamedFromTheFileOpenedEvenWhenItsNameNowLeadsElsewhere() throws Exception {
        try (Draft draft = dropped("m.eml", "To: bob@example.com\r\nSubject: as written\r\n\r\noriginal body\r\n")) {
            OutgoingMessage message = composer().compose(draft);
            Files.delete(outbox.resolve("m.eml"));
            Files.writeString(outbox.resolve("m.eml"), "To: bob@example.com\r\n\r\nSECRET\r\n");
            assertThat(Mails.latin1(Mails.transmitted(message))).contains("original body").doesNotContain("SECRET");
        }
    }

    @Test
    void anAttachmentThroughALinkToProcIsRefused() throws Exception {
        Files.createSymbolicLink(outbox.resolve("p"), Path.of("/proc/self"));
        try (Draft draft = dropped("a.json", "{\"to\": \"bob@example.com\", \"attachments\": [{\"path\": \"p/environ\"}]}")) {
            assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                    .hasMessageContaining("\"p/environ\"").hasMessageContaining("outside the outbox folder");
        }
    }

    @Test
    void aHardLinkToAFileOutsideIsRefused() throws Exception {
        Files.createLink(outbox.resolve("d/hard.txt"), outside.resolve("report.txt"));
        try (Draft draft = dropped("a.json", "{\"to\": \"bob@example.com\", \"attachments\": [{\"path\": \"d/hard.txt\"}]}")) {
            assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                    .hasMessageContaining("\"d/hard.txt\" has 2 hard links");
        }
        Path bare = Files.createLink(outbox.resolve("leak.bin"), outside.resolve("report.txt"));
        try (Draft draft = Draft.ofFile("leak.bin", bare, outbox)) {
            assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                    .hasMessageContaining("the draft has 3 hard links").hasMessageNotContaining("SECRET");
        }
    }

    @Test
    void aNamedPipeIsRefusedWithoutBeingOpened() throws Exception {
        mkfifo(outbox.resolve("d/pipe"));
        mkfifo(outbox.resolve("pipe.json"));
        mkfifo(outbox.resolve("pipe.eml"));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Draft draft = dropped("a.json", "{\"to\": \"bob@example.com\", \"attachments\": [{\"path\": \"d/pipe\"}]}")) {
                assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                        .hasMessageContaining("\"d/pipe\" is a named pipe (FIFO), not a regular file; it was not opened");
            }
            for (String name : List.of("pipe.json", "pipe.eml")) {
                try (Draft draft = Draft.ofFile(name, outbox.resolve(name), outbox)) {
                    assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                            .hasMessage("the draft is a named pipe (FIFO), not a regular file; it was not opened");
                }
            }
        });
    }

    @Test
    void aDeviceOrASocketIsRefusedWithoutBeingOpened() throws Exception {
        Path socket = outbox.resolve("d/socket");
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            try (Draft draft = dropped("a.json", "{\"to\": \"bob@example.com\", \"attachments\": [{\"path\": \"d/socket\"}]}")) {
                assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                        .hasMessageContaining("\"d/socket\" is a socket, not a regular file; it was not opened");
            }
        }
        // /dev/zero under the name of a draft (only root may make one: skipped elsewhere)
        Process mknod = new ProcessBuilder("mknod", outbox.resolve("zero.json").toString(), "c", "1", "5").start();
        Assumptions.assumeTrue(mknod.waitFor() == 0, "mknod is allowed here");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (Draft draft = Draft.ofFile("zero.json", outbox.resolve("zero.json"), outbox)) {
                assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                        .hasMessage("the draft is a character device, not a regular file; it was not opened");
            }
        });
    }

    @Test
    void aDraftThatIsASymbolicLinkIsRefusedEvenWhenItStaysInside() throws Exception {
        Files.writeString(outbox.resolve("d/real.eml"), "To: bob@example.com\r\n\r\nhi\r\n");
        Path link = Files.createSymbolicLink(outbox.resolve("alias.eml"), outbox.resolve("d/real.eml"));
        try (Draft draft = Draft.ofFile("alias.eml", link, outbox)) {
            assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                    .hasMessageContaining("the draft is a symbolic link; links are not followed");
        }
    }

    @Test
    void aDraftOverMailMaxSizeIsRefusedUnread() throws Exception {
        Composer small = new Composer(new ComposeSettings(new InternetAddress("a@example.com"), List.of(), 1024 * 1024));
        for (String name : List.of("huge.json", "huge.md", "huge.eml")) {
            Path file = outbox.resolve(name);
            try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
                sparse.setLength(2L * 1024 * 1024 * 1024);
            }
            try (Draft draft = Draft.ofFile(name, file, outbox)) {
                assertThatThrownBy(() -> small.compose(draft)).isInstanceOf(InvalidDraftException.class)
                        .hasMessage("the draft is 2.0 GB, over the 1.0 MB limit for a message (mail.max-size); it was not read");
            }
        }
    }

    @Test
    void anEmlWhoseHeaderBlockNeverEndsIsRefusedAfterItsFirstMegabyte() throws Exception {
        String headers = "To: bob@example.com\r\n" + ("X-Pad: " + "a".repeat(1000) + "\r\n").repeat(1500);
        try (Draft draft = dropped("pad.eml", headers + "\r\nbody\r\n")) {
            assertThatThrownBy(() -> composer().compose(draft)).isInstanceOf(InvalidDraftException.class)
                    .hasMessageStartingWith("the header block of the .eml is over 1.0 MB");
        }
        // headers of a normal size before a large body are fine
        String body = "line of the body\r\n".repeat(100_000);
        try (Draft draft = dropped("big.eml", "To: bob@example.com\r\nSubject: big\r\n\r\n" + body)) {
            assertThat(Mails.latin1(Mails.transmitted(composer().compose(draft)))).endsWith(body);
        }
    }
}
