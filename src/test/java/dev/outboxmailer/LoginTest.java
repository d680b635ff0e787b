package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.SmtpsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AUTH over SMTPS with the configured login; a wrong password sends nothing and keeps the draft. */
class LoginTest {
    static SmtpsServer server;
    @TempDir
    Path dir;

    static final String DRAFT = "To: bob@example.org\r\nFrom: sender@example.com\r\nSubject: hi\r\n\r\nhello\r\n";

    @BeforeAll
    static void server() {
        server = SmtpsServer.withLogin("sender@example.com", "right-secret");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void theRightPasswordFromAFileLogsInAndSends() throws Exception {
        server.reset();
        Path secret = dir.resolve("smtp-password");
        Files.writeString(secret, "right-secret\n");
        Map<String, String> settings = RunningMailer.smtps(server.port());
        settings.put("smtp.username", "sender@example.com");
        settings.put("smtp.password-file", secret.toString());
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            mailer.drop("hi.eml", DRAFT);
            JsonNode receipt = mailer.awaitReceipt("hi.eml");
            assertThat(receipt.get("recipients").get(0).asText()).isEqualTo("bob@example.org");
            assertThat(server.awaitMessages(1).get(0).getSubject()).isEqualTo("hi");
        }
    }

    @Test
    void aWrongPasswordSendsNothingAndKeepsTheDraft() throws Exception {
        server.reset();
        Map<String, String> settings = RunningMailer.smtps(server.port());
        settings.put("smtp.username", "sender@example.com");
        settings.put("smtp.password", "wrong-secret");
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            Path draft = mailer.drop("hi.eml", DRAFT);
            Thread.sleep(2_000);
            assertThat(server.received()).isEmpty();
            assertThat(Files.readString(draft)).isEqualTo(DRAFT);
            assertThat(mailer.failedFolder()).doesNotExist();
        }
    }
}
