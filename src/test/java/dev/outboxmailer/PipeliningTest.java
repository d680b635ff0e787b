package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    @Test
    void aMessageWaitingForTheConnectionSendsItsOpeningBehindTheEndOfTheOneBefore() throws Exception {
        // one connection, a slow go-ahead: while one message is on the wire the next ones are composed and wait
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true).holdEndOfData(true).offerDsn(true)
                .goAheadDelay(java.time.Duration.ofMillis(150))) {
            Map<String, String> settings = RunningMailer.plain(server.port());
            settings.put("smtp.connections", "1");
            settings.put("mail.return-path", "bounces@example.com");
            settings.put("mail.verp", "true"); // MAIL FROM with RET=HDRS and ENVID, RCPT TO with NOTIFY: built ahead
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                for (int i = 1; i <= 8; i++) {
                    mailer.drop("b" + i + ".json", draft("[\"bob@example.org\", \"carol@example.org\"]", "b" + i));
                }
                for (int i = 1; i <= 8; i++) {
                    assertThat(mailer.awaitReceipt("b" + i + ".json").get("recipients")).hasSize(2);
                }
            }
            // each message once, whole, on the one connection: no opening was out of step (that drops the connection)
            assertThat(server.accepted()).hasSize(8);
            for (int i = 1; i <= 8; i++) {
                String subject = "Subject: b" + i + "\r\n";
                String body = "body of b" + i;
                assertThat(server.accepted()).filteredOn(m -> m.contains(subject)).hasSize(1)
                        .allSatisfy(m -> assertThat(m).contains(body));
            }
            assertThat(server.connections()).isEqualTo(1);
            assertThat(server.acceptedFor()).containsOnly(List.of("bob@example.org", "carol@example.org"));
            // from the second message on, MAIL FROM, RCPT TO and DATA went behind the end of the message before
            assertThat(server.chainedMessages()).isGreaterThanOrEqualTo(5);
            List<String> mailFroms = server.envelopeCommands().stream().filter(c -> c.startsWith("MAIL")).toList();
            assertThat(mailFroms).hasSize(8).allSatisfy(m -> assertThat(m)
                    .matches("MAIL FROM:<bounces\\+[A-Za-z0-9]+@example\\.com> RET=HDRS ENVID=[A-Za-z0-9]+"));
            assertThat(mailFroms).doesNotHaveDuplicates();
            assertThat(server.envelopeCommands()).filteredOn(c -> c.startsWith("RCPT"))
                    .hasSize(16).allSatisfy(r -> assertThat(r).endsWith(" NOTIFY=FAILURE,DELAY"));
        }
    }

    @Test
    void theEndOfAMessageRefusedWithTheNextOpeningBehindItLosesNeither() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true).holdEndOfData(true)
                .goAheadDelay(java.time.Duration.ofMillis(300)).dataReplies("554 5.6.0 content refused")) {
            Map<String, String> settings = RunningMailer.plain(server.port());
            settings.put("smtp.connections", "1");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("one.json", draft("\"bob@example.org\"", "one"));
                mailer.drop("two.json", draft("\"bob@example.org\"", "two"));
                // whichever reached the connection first was refused; the other went once, on a new connection
                await().atMost(Duration.ofSeconds(20)).until(() -> outcome(mailer, "one.json") != null
                        && outcome(mailer, "two.json") != null);
                boolean oneRefused = Files.exists(mailer.failedFolder().resolve("one.json.error.json"));
                String refused = oneRefused ? "one" : "two";
                String sent = oneRefused ? "two" : "one";
                JsonNode error = mailer.awaitError(refused + ".json");
                assertThat(error.get("kind").asText()).isEqualTo("rejected");
                assertThat(error.get("smtpCode").asInt()).isEqualTo(554);
                assertThat(mailer.awaitReceipt(sent + ".json").get("attempts").asInt()).isEqualTo(1);
                // the other's opening rode behind the refused one's end; that connection was dropped with its DATA
                // open (nothing delivered from it)
                assertThat(server.chainedMessages()).isEqualTo(1);
                assertThat(server.accepted()).hasSize(1);
                assertThat(server.accepted().get(0)).contains("Subject: " + sent).contains("body of " + sent);
                assertThat(server.connections()).isEqualTo(2);
            }
        }
    }

    @Test
    void aServerThatClosesAfterEndingAMessageWithTheNextOpeningBehindItLosesNeither() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().holdReplies(true).holdEndOfData(true)
                .goAheadDelay(java.time.Duration.ofMillis(300)).dataReplies("421 4.3.2 shutting down")) {
            Map<String, String> settings = RunningMailer.plain(server.port());
            settings.put("smtp.connections", "1");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("one.json", draft("\"bob@example.org\"", "one"));
                mailer.drop("two.json", draft("\"bob@example.org\"", "two"));
                // the one that met the 421 was deferred and sent on its retry; the other, waiting for that connection
                // as the first ended (its opening written behind it), went once on a new one, charged nothing
                int one = mailer.awaitReceipt("one.json").get("attempts").asInt();
                int two = mailer.awaitReceipt("two.json").get("attempts").asInt();
                assertThat(List.of(one, two)).containsExactlyInAnyOrder(1, 2);
            }
            assertThat(server.accepted()).hasSize(2);
            assertThat(server.connections()).isGreaterThanOrEqualTo(2);
            assertThat(server.accepted()).filteredOn(m -> m.contains("Subject: one")).hasSize(1);
            assertThat(server.accepted()).filteredOn(m -> m.contains("Subject: two")).hasSize(1);
        }
    }

    private static Path outcome(RunningMailer mailer, String name) {
        Path receipt = mailer.sentFolder().resolve(name + ".receipt.json");
        Path error = mailer.failedFolder().resolve(name + ".error.json");
        return Files.exists(receipt) ? receipt : Files.exists(error) ? error : null;
    }
}
