package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How many SMTP connections the server sees ({@code smtp.connections}, each driven by a thread of its own): a
 * trickle of drafts goes over one warm connection, a burst over at most {@code smtp.connections}, whatever
 * {@code outbox.in-flight} is.
 */
class SmtpConnectionsTest {
    @TempDir
    Path dir;

    static String draft(String subject) {
        return "{\"to\": \"bob@example.org\", \"subject\": \"" + subject + "\", \"text\": \"body of " + subject + "\"}";
    }

    @Test
    void aTrickleOfDraftsGoesOverOneWarmConnection() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            for (int i = 1; i <= 6; i++) {
                mailer.drop("t" + i + ".json", draft("t" + i));
                mailer.awaitReceipt("t" + i + ".json");
            }
            assertThat(server.accepted()).hasSize(6);
            assertThat(server.connections()).as("connections opened for six drafts one after another").isEqualTo(1);
        }
    }

    @Test
    void aBurstUsesAtMostTheConnectionsConfigured() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().goAheadDelay(Duration.ofMillis(40))) {
            Map<String, String> settings = RunningMailer.plain(server.port());
            settings.put("smtp.connections", "3");
            settings.put("outbox.in-flight", "12");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                for (int i = 1; i <= 30; i++) {
                    mailer.drop("b" + i + ".json", draft("b" + i));
                }
                for (int i = 1; i <= 30; i++) {
                    mailer.awaitReceipt("b" + i + ".json");
                }
            }
            assertThat(server.accepted()).hasSize(30);
            assertThat(server.connections()).isBetween(2, 3);
        }
    }
}
