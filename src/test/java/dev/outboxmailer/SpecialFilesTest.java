package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.MailerOverSmtps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * SPEC §9 through the real routes: named pipes, hard links to files elsewhere, paths through /proc and
 * drafts that are links go to {@code .failed/} as invalid-draft, unread and without blocking a sender, and
 * the mailer goes on sending.
 */
class SpecialFilesTest extends MailerOverSmtps {

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = super.settings();
        s.put("mail.to", "ops@example.org"); // bare files have somewhere to go
        return s;
    }

    private static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).start();
        Assumptions.assumeTrue(p.waitFor() == 0, "mkfifo is available");
    }

    private void assertInvalid(String name, String reason) {
        JsonNode error = mailer.awaitError(name);
        assertThat(error.get("kind").asText()).as(name).isEqualTo("invalid-draft");
        assertThat(error.get("reason").asText()).as(name).contains(reason);
    }

    private void aGoodDraftIsStillSent() throws Exception {
        mailer.drop("good.json", "{\"to\": \"bob@example.org\", \"subject\": \"still serving\", \"text\": \"ok\"}");
        mailer.awaitReceipt("good.json");
        assertThat(server.awaitMessages(1)).extracting(m -> {
            try {
                return m.getSubject();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).containsExactly("still serving");
    }

    @Test
    void namedPipesFailAsInvalidDraftsAndNoSenderHangs() throws Exception {
        Files.createDirectories(mailer.outbox.resolve("files"));
        mkfifo(mailer.outbox.resolve("files/pipe"));
        List<String> pipes = List.of("a.json", "b.txt", "c.eml", "d.md", "e.pdf"); // more than the 4 senders
        for (String name : pipes) {
            mkfifo(mailer.outbox.resolve(name));
        }
        mailer.drop("attach-pipe.json", "{\"to\": \"bob@example.org\", \"attachments\": [{\"path\": \"files/pipe\"}]}");

        for (String name : pipes) {
            assertInvalid(name, "the draft is a named pipe (FIFO), not a regular file; it was not opened");
        }
        assertInvalid("attach-pipe.json", "\"files/pipe\" is a named pipe (FIFO), not a regular file; it was not opened");
        aGoodDraftIsStillSent();
    }

    @Test
    void hardLinksProcAndLinkedDraftsFailAsInvalidDrafts() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path secret = Files.writeString(outside.resolve("secret.txt"), "SECRET outside the outbox");
        Files.createDirectories(mailer.outbox.resolve("files"));
        Files.createLink(mailer.outbox.resolve("files/hard.txt"), secret);
        Files.createLink(mailer.outbox.resolve("leak.bin"), secret);
        Files.createSymbolicLink(mailer.outbox.resolve("proc"), Path.of("/proc/self"));
        Files.writeString(mailer.outbox.resolve("files/real.eml"), "To: bob@example.org\r\nSubject: linked\r\n\r\nhi\r\n");

        mailer.drop("hard.json", "{\"to\": \"bob@example.org\", \"attachments\": [{\"path\": \"files/hard.txt\"}]}");
        mailer.drop("proc.txt", "To: bob@example.org\nAttach: proc/environ\n\nsee attached\n");
        Files.createSymbolicLink(mailer.outbox.resolve("alias.eml"), mailer.outbox.resolve("files/real.eml"));

        assertInvalid("hard.json", "\"files/hard.txt\" has 3 hard links"); // the secret, hard.txt, leak.bin
        assertInvalid("proc.txt", "\"proc/environ\" is a link that leads outside the outbox folder");
        assertInvalid("leak.bin", "the draft has 3 hard links");
        assertInvalid("alias.eml", "the draft is a symbolic link; links are not followed");
        assertThat(Files.readString(secret)).isEqualTo("SECRET outside the outbox");
        aGoodDraftIsStillSent();
    }
}
