package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.SmtpsServer;
import jakarta.jms.Message;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §13 on the queue: a merge envelope with inline rows becomes one queued draft a row, bad rows dead-lettered. */
class MergeQueueTest {
    @TempDir
    Path dir;

    @Test
    void aMergeOnTheQueueSendsEveryRowAndDeadLettersTheBadOnes() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open();
             RunningMailer mailer = RunningMailer.start(dir, QueueIntakeTest.settings(RunningMailer.smtps(server.port()), port,
                     dir.resolve("broker")));
             QueueClient client = new QueueClient(QueueIntakeTest.url(port))) {
            client.sendText("outbox", """
                    {"template": {"to": "{{name}} <{{email}}>", "subject": "Hi {{name}}", "html": "<p>{{company}}</p>"},
                     "rows": [{"name": "Zoë", "email": "zoe@example.org", "company": "A&B <Ltd>"},
                              {"name": "Bo", "email": "bo@example.org"},
                              {"name": "Doe, Jane", "email": "jane@example.org", "company": "C"}]}
                    """, Map.of());
            List<MimeMessage> arrived = server.awaitMessages(2);
            assertThat(arrived).extracting(MimeMessage::getSubject).containsExactlyInAnyOrder("Hi Zoë", "Hi Doe, Jane");
            assertThat(arrived.get(0).getMessageID()).startsWith("<merge.");
            assertThat(arrived.get(0).getMessageID()).isNotEqualTo(arrived.get(1).getMessageID());
            Message dead = client.receive("outbox.DLQ", 20_000);
            assertThat(dead).isNotNull();
            assertThat(dead.getStringProperty("errorKind")).isEqualTo("invalid-draft");
            assertThat(dead.getStringProperty("errorReason")).startsWith("row 2:").contains("{{company}}");
            assertThat(dead.getIntProperty("outboxMergeRow")).isEqualTo(2);
            assertThat(client.receive("outbox.DLQ", 300)).isNull();

            client.sendText("outbox", "{\"template\": {\"to\": \"x@example.org\"}, \"rows\": \"files/rows.csv\"}", Map.of());
            Message whole = client.receive("outbox.DLQ", 20_000);
            assertThat(whole.getStringProperty("errorReason")).contains("inline list");
        }
    }
}
