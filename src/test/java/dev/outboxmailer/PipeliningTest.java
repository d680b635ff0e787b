package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMTP PIPELINING (RFC 2920, {@code smtp.pipelining}): where the server offers it, MAIL FROM, every RCPT TO and
 * DATA go out as one group; every reply is still attributed to its own command. The server here holds its
 * replies to MAIL and RCPT until the client either sends on without them (a pipelined group) or waits.
 */
class PipeliningTest {
    @TempDir
    Path dir;

    static String draft(String to, String subject) {
        return "{\"to\": " + to + ", \"subject\": \"" + subject + "\", \"text\": \"body of " + subject + "\"}";
    }

    @Test
    void whereTheServerOffersItEachMessageGoesAsOneGroupThenItsContent() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true);
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            for (int i = 1; i <= 3; i++) {
                mailer.drop("m" + i + ".json", draft("[\"bob@example.org\", \"carol@example.org\"]", "m" + i));
                assertThat(mailer.awaitReceipt("m" + i + ".json").get("recipients")).hasSize(2);
            }
            assertThat(server.pipelinedGroups()).isEqualTo(3);
            assertThat(server.repliesWaitedFor()).isZero();
            assertThat(server.acceptedFor()).containsOnly(List.of("bob@example.org", "carol@example.org"));
            assertThat(server.envelopeCommands()).filteredOn(c -> c.startsWith("RCPT"))
                    .containsExactly("RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>",
                            "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>",
                            "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>");
        }
    }

    @Test
    void turnedOffOrNotOfferedEachCommandWaitsForItsReply() throws Exception {
        Map<String, String> off;
        try (ScriptedSmtpServer offered = ScriptedSmtpServer.start().holdReplies(true);
             ScriptedSmtpServer notOffered = ScriptedSmtpServer.start().holdReplies(true).offerPipelining(false)) {
            off = RunningMailer.plain(offered.port());
            off.put("smtp.pipelining", "false");
            try (RunningMailer mailer = RunningMailer.start(dir.resolve("off"), off)) {
                mailer.drop("off.json", draft("\"bob@example.org\"", "off"));
                mailer.awaitReceipt("off.json");
            }
            try (RunningMailer mailer = RunningMailer.start(dir.resolve("not-offered"), RunningMailer.plain(notOffered.port()))) {
                mailer.drop("plain.json", draft("\"bob@example.org\"", "plain"));
                mailer.awaitReceipt("plain.json");
            }
            for (ScriptedSmtpServer server : List.of(offered, notOffered)) {
                assertThat(server.pipelinedGroups()).isZero();
                assertThat(server.repliesWaitedFor()).isEqualTo(2); // MAIL FROM, then RCPT TO
                assertThat(server.accepted()).hasSize(1);
            }
        }
    }

    @Test
    void refusedAndDeferredRecipientsInOneGroupEachGetTheirOwnReply() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true)
                .recipientReply(r -> r.startsWith("ghost") ? "550 5.1.1 <" + r + ">: no such user"
                        : r.startsWith("busy") ? "451 4.2.1 mailbox busy" : "250 OK");
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            mailer.drop("mixed.json", draft(
                    "[\"bob@example.org\", \"ghost@example.org\", \"busy@example.org\", \"carol@example.org\"]", "mixed"));
            JsonNode waiting = mailer.awaitRetryRecord("mixed.json");
            assertThat(waiting.toString()).contains("busy@example.org");
            server.recipientReply(r -> r.startsWith("ghost") ? "550 5.1.1 no such user" : "250 OK");
            JsonNode receipt = mailer.awaitReceipt("mixed.json");
            assertThat(receipt.get("recipients")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("bob@example.org", "carol@example.org", "busy@example.org");
            assertThat(receipt.get("rejected")).hasSize(1);
            assertThat(receipt.get("rejected").get(0).get("address").asText()).isEqualTo("ghost@example.org");
            assertThat(receipt.get("rejected").get(0).get("code").asInt()).isEqualTo(550);
            // the first attempt reached bob and carol; the retry only busy, who was owed it
            assertThat(server.acceptedFor()).containsExactly(
                    List.of("bob@example.org", "carol@example.org"), List.of("busy@example.org"));
            assertThat(server.pipelinedGroups()).isEqualTo(2);
        }
    }

    @Test
    void everyRecipientRefusedFailsAsRejectedAndTheNextDraftGoesThrough() throws Exception {
        everyRecipientRefused(false); // DATA answered 554, as RFC 2920 asks
    }

    @Test
    void everyRecipientRefusedWhileTheServerStillTakesDataSendsNoEmptyMessage() throws Exception {
        everyRecipientRefused(true); // DATA answered 354: the connection is dropped, no message is ended
    }

    private void everyRecipientRefused(boolean dataWithoutRecipients) throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true)
                .dataWithoutRecipients(dataWithoutRecipients)
                .recipientReply(r -> r.startsWith("ghost") ? "550 5.1.1 no such user" : "250 OK");
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            mailer.drop("nobody.json", draft("[\"ghost@example.org\", \"ghost2@example.org\"]", "nobody"));
            JsonNode error = mailer.awaitError("nobody.json");
            assertThat(error.get("kind").asText()).isEqualTo("rejected");
            assertThat(error.get("smtpCode").asInt()).isEqualTo(550);
            assertThat(error.get("reason").asText()).contains("ghost@example.org").contains("no such user");
            assertThat(error.get("attempts").asInt()).isEqualTo(1);

            mailer.drop("after.json", draft("\"bob@example.org\"", "after"));
            mailer.awaitReceipt("after.json");
            assertThat(server.accepted()).hasSize(1);
            assertThat(server.accepted().get(0)).contains("Subject: after");
            assertThat(server.acceptedFor()).containsExactly(List.of("bob@example.org"));
        }
    }

    @Test
    void aRefusedMailFromIsTheReplyReportedNotTheRepliesAfterIt() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true).mailReply("451 4.3.0 try again later");
             RunningMailer mailer = RunningMailer.start(dir, RunningMailer.plain(server.port()))) {
            mailer.drop("later.json", draft("\"bob@example.org\"", "later"));
            JsonNode waiting = mailer.awaitRetryRecord("later.json");
            assertThat(waiting.toString()).contains("451").contains("try again later");
            server.mailReply("250 OK");
            JsonNode receipt = mailer.awaitReceipt("later.json");
            assertThat(receipt.get("attempts").asInt()).isGreaterThanOrEqualTo(2);
            assertThat(server.accepted()).hasSize(1);
        }
    }
}
