package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.MailerOverSmtps;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets a clear error and loses nothing (SPEC §7): the draft goes to .failed/ beside a reason a
 * person understands, nothing reaches the server, and the next good draft is sent.
 */
class InvalidDraftsTest extends MailerOverSmtps {
    @BeforeEach
    void prepare() throws Exception {
        Files.writeString(dir.resolve("secret.txt"), "outside the outbox");
        Files.createDirectories(mailer.outbox.resolve("files"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            CR LF in the subject          | {"to":"bob@example.org","subject":"hi\\r\\nBcc: victim@example.net","text":"x"}          | subject
            LF in a display name          | {"to":"\\"Bob\\nBcc: v@example.net\\" <bob@example.org>","subject":"s","text":"x"}     | to
            CR in a custom header         | {"to":"bob@example.org","subject":"s","text":"x","headers":{"X-Tag":"a\\rb"}}           | X-Tag
            LF in an attachment name      | {"to":"bob@example.org","text":"x","attachments":[{"content":"aGk=","name":"a\\nb.txt"}]} | name
            a path that climbs out        | {"to":"bob@example.org","text":"x","attachments":[{"path":"../secret.txt"}]}             | ../secret.txt
            an absolute path              | {"to":"bob@example.org","text":"x","attachments":[{"path":"/etc/passwd"}]}               | /etc/passwd
            a link out of the outbox      | {"to":"bob@example.org","text":"x","attachments":[{"path":"files/link.txt"}]}            | files/link.txt
            a missing attachment          | {"to":"bob@example.org","text":"x","attachments":[{"path":"files/none.pdf"}]}            | files/none.pdf
            not an address                | {"to":"bob@@example..org","subject":"s","text":"x"}                                      | bob@@example..org
            malformed JSON                | {"to": "bob@example.org", "subject": oops}                                                | line
            no recipients                 | {"subject":"s","text":"x"}                                                                | recipient
            """)
    void isFailedWithAReasonAndNothingIsSent(String what, String json, String reasonMentions) throws Exception {
        Files.createSymbolicLink(mailer.outbox.resolve("files/link.txt"), dir.resolve("secret.txt"));
        Path draft = mailer.drop("bad.json", json);

        JsonNode error = mailer.awaitError("bad.json");
        assertThat(error.get("kind").asText()).isEqualTo("invalid-draft");
        assertThat(error.get("reason").asText()).as(what).contains(reasonMentions).doesNotContain("\tat ");
        assertThat(draft).doesNotExist();
        assertThat(Files.readString(mailer.failedFolder().resolve("bad.json"))).isEqualTo(json);

        // the process keeps serving: a good draft after it is sent, and it is the only message received
        mailer.drop("good.json", "{\"to\":\"bob@example.org\",\"subject\":\"after " + what + "\",\"text\":\"ok\"}");
        mailer.awaitReceipt("good.json");
        assertThat(server.awaitMessages(1)).hasSize(1);
        assertThat(server.received()[0].getSubject()).isEqualTo("after " + what);
        assertThat(new String(server.received()[0].getRawInputStream().readAllBytes())).doesNotContain("outside the outbox");
    }

    @Test
    void aDraftThatIsALinkOutOfTheOutboxIsNotRead() throws Exception {
        Path secret = dir.resolve("secret.eml");
        Files.writeString(secret, "To: bob@example.org\r\nFrom: a@example.com\r\nSubject: leaked\r\n\r\nsecret\r\n");
        Files.createSymbolicLink(mailer.outbox.resolve("leak.eml"), secret);

        JsonNode error = mailer.awaitError("leak.eml");
        assertThat(error.get("kind").asText()).isEqualTo("invalid-draft");
        assertThat(error.get("reason").asText()).contains("symbolic link");
        assertThat(server.received()).isEmpty();
        assertThat(secret).exists();
    }
}
