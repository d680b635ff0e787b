package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.BounceMailbox;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.TestCertificates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.BounceReports;
import dev.outboxmailer.support.QueueClient;
import jakarta.jms.BytesMessage;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §11, the sending side, through the real routes to a scripted SMTP server that shows the envelope commands:
 * the envelope sender (mail.return-path, VERP), and the DSN parameters only where the server offers DSN.
 */
class EnvelopeSenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERP_FROM = Pattern.compile("MAIL FROM:<bounces\\+([0-9a-f]{24})@example\\.com>(.*)");
    @TempDir
    Path dir;

    @BeforeAll
    static void greenMailThreadsMayThrow() {
        // GreenMail's handler threads throw when the mailer closes an IMAP connection at its stop: not a failure here
        org.awaitility.Awaitility.doNotCatchUncaughtExceptionsByDefault();
    }

    @AfterAll
    static void reset() {
        org.awaitility.Awaitility.reset();
    }

    static String draft(String to) {
        return "To: " + to + "\r\nFrom: Billing <billing@example.org>\r\nSubject: Invoice\r\n\r\nThe invoice.\r\n";
    }

    private static Map<String, String> settings(ScriptedSmtpServer smtp, BounceMailbox mailbox) {
        Map<String, String> s = RunningMailer.plain(smtp.port());
        if (mailbox != null) {
            s.put("bounces.url", mailbox.imapsUrl());
            s.put("bounces.username", BounceMailbox.USER);
            s.put("bounces.password", BounceMailbox.PASSWORD);
            s.put("bounces.poll-delay", "200ms");
            s.put("bounces.trust-store", TestCertificates.install().caPem.toString());
        }
        return s;
    }

    private static List<String> mailFroms(ScriptedSmtpServer smtp) {
        return smtp.envelopeCommands().stream().filter(c -> c.startsWith("MAIL")).toList();
    }

    private static List<String> rcpts(ScriptedSmtpServer smtp) {
        return smtp.envelopeCommands().stream().filter(c -> c.startsWith("RCPT")).toList();
    }

    @Test
    void withVerpEachMessageHasItsOwnReturnPathAndDsnParametersWhereOffered() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().offerDsn(true);
             BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = settings(smtp, mailbox);
            s.put("mail.return-path", "bounces@example.com");
            s.put("mail.verp", "true");
            try (RunningMailer mailer = RunningMailer.start(dir, s)) {
                mailer.drop("one.eml", draft("ann@example.net"));
                mailer.awaitReceipt("one.eml");
                mailer.drop("two.eml", draft("bob@example.net"));
                mailer.awaitReceipt("two.eml");

                List<String> from = mailFroms(smtp);
                assertThat(from).hasSize(2);
                Matcher one = VERP_FROM.matcher(from.get(0));
                Matcher two = VERP_FROM.matcher(from.get(1));
                assertThat(one.matches()).as(from.get(0)).isTrue();
                assertThat(two.matches()).as(from.get(1)).isTrue();
                assertThat(one.group(1)).as("one token per message").isNotEqualTo(two.group(1));
                // DSN offered: headers only, and the token as ENVID
                assertThat(one.group(2)).contains(" RET=HDRS").contains(" ENVID=" + one.group(1));
                assertThat(two.group(2)).contains(" ENVID=" + two.group(1));
                assertThat(rcpts(smtp)).allSatisfy(r -> assertThat(r).contains("NOTIFY=FAILURE,DELAY"));
                // the From header is as written; the return path is only on the envelope
                assertThat(smtp.accepted().get(0)).contains("From: Billing <billing@example.org>")
                        .doesNotContain("bounces+");

                // the secret behind the tokens is the owner's only
                Path secret = mailer.outbox.resolve(".state").resolve("bounce-secret");
                assertThat(Files.getPosixFilePermissions(secret)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
                assertThat(Files.readString(secret)).doesNotContain(one.group(1));
            }
        }
    }

    @Test
    void withoutDsnOnTheServerNoDsnParametersAreSent() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
             BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = settings(smtp, mailbox);
            s.put("mail.return-path", "bounces@example.com");
            s.put("mail.verp", "true");
            try (RunningMailer mailer = RunningMailer.start(dir, s)) {
                mailer.drop("one.eml", draft("ann@example.net"));
                mailer.awaitReceipt("one.eml");
                List<String> from = mailFroms(smtp);
                assertThat(from).hasSize(1);
                Matcher m = VERP_FROM.matcher(from.get(0));
                assertThat(m.matches()).as(from.get(0)).isTrue();
                assertThat(m.group(2)).as("no DSN parameters where DSN is not offered").isEmpty();
                assertThat(rcpts(smtp)).containsExactly("RCPT TO:<ann@example.net>");
            }
        }
    }

    @Test
    void theReturnPathDefaultsToTheFromAddressAndNeedsNoBounceMailbox() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().offerDsn(true)) {
            try (RunningMailer mailer = RunningMailer.start(dir, settings(smtp, null))) {
                mailer.drop("one.eml", draft("ann@example.net"));
                mailer.awaitReceipt("one.eml");
                // no ENVID without the receiving side (nothing would read it), but notices are still asked for
                assertThat(mailFroms(smtp)).containsExactly("MAIL FROM:<billing@example.org> RET=HDRS");
                assertThat(rcpts(smtp)).containsExactly("RCPT TO:<ann@example.net> NOTIFY=FAILURE,DELAY");
            }
        }
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()) {
            Map<String, String> s = settings(smtp, null);
            s.put("mail.return-path", "Returns <returns@example.com>");
            try (RunningMailer mailer = RunningMailer.start(dir.resolve("second"), s)) {
                mailer.drop("one.eml", draft("ann@example.net"));
                mailer.awaitReceipt("one.eml");
                assertThat(mailFroms(smtp)).containsExactly("MAIL FROM:<returns@example.com>");
            }
        }
    }

    /** A non-standard bounce that names no address and no Message-ID: only its VERP address says what it returns. */
    private static String bareBounce(String to, String text) {
        return "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\nTo: " + to + "\r\n"
                + "Delivered-To: " + to + "\r\nSubject: Undelivered Mail Returned to Sender\r\n"
                + "Message-ID: <" + Math.abs(to.hashCode() + text.hashCode()) + "@mx.example.net>\r\n"
                + "Date: Wed, 2 Dec 2026 07:40:01 +0000\r\n\r\n"
                + "Your message could not be delivered.\r\n" + text + "\r\n";
    }

    private static JsonNode awaitBounces(RunningMailer mailer, String name) {
        Path file = mailer.sentFolder().resolve(name + ".bounce.json");
        await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(file)
                && JSON.readTree(file.toFile()).path("bounces").size() >= 1);
        try {
            return JSON.readTree(file.toFile()).path("bounces");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> suppressed(RunningMailer mailer) throws Exception {
        Path csv = mailer.outbox.resolve(".state").resolve("suppressed.csv");
        return !Files.exists(csv) ? List.of() : Files.readAllLines(csv).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("address")).map(l -> l.split(",")[0]).toList();
    }

    @Test
    void bouncesAreMatchedByEnvidThenVerpAndATokenCountsOnlyForItsDraftsRecipients() throws Exception {
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().offerDsn(true);
             BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = settings(smtp, mailbox);
            s.put("mail.return-path", "bounces@example.com");
            s.put("mail.verp", "true");
            try (RunningMailer mailer = RunningMailer.start(dir, s)) {
                mailer.drop("one.eml", draft("ann@example.net"));
                mailer.awaitReceipt("one.eml");
                mailer.drop("two.eml", draft("bob@example.net"));
                mailer.awaitReceipt("two.eml");
                List<String> from = mailFroms(smtp);
                Matcher m1 = VERP_FROM.matcher(from.get(0));
                Matcher m2 = VERP_FROM.matcher(from.get(1));
                assertThat(m1.matches() && m2.matches()).isTrue();
                String one = m1.group(1);
                String two = m2.group(1);

                // forged: a token that was never issued, naming ann; and two's real token naming someone two was never sent to
                mailbox.deliver(bareBounce("bounces+" + "0123456789abcdef01234567" + "@example.com",
                        "<ann@example.net>: 550 5.1.1 User unknown"));
                mailbox.deliver(bareBounce("bounces+" + two + "@example.com", "<victim@example.com>: 550 5.1.1 User unknown"));
                // ENVID (RFC 3464 Original-Envelope-Id), under a Message-ID that is not ours
                mailbox.deliver(BounceReports.postfix("<e1@mail.example.com>", "<not-ours@elsewhere.example>",
                        "ann@example.net", "failed", "5.1.1")
                        .replace("X-Postfix-Queue-ID: 3F1A22C0123\n", "X-Postfix-Queue-ID: 3F1A22C0123\nOriginal-Envelope-Id: " + one + "\n"));
                // VERP: a bounce that names neither the recipient nor the Message-ID
                mailbox.deliver(bareBounce("bounces+" + two + "@example.com", "550 5.1.1 The mailbox is unavailable."));

                JsonNode a = awaitBounces(mailer, "one.eml");
                assertThat(a).hasSize(1);
                assertThat(a.get(0).path("recipient").asText()).isEqualTo("ann@example.net");
                assertThat(a.get(0).path("status").asText()).isEqualTo("5.1.1");
                JsonNode b = awaitBounces(mailer, "two.eml");
                assertThat(b.get(0).path("recipient").asText()).isEqualTo("bob@example.net");
                assertThat(b.get(0).path("status").asText()).isEqualTo("5.1.1");
                assertThat(b.get(0).path("hard").asBoolean()).isTrue();

                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).until(() -> mailbox.unread().isEmpty());
                assertThat(mailbox.messages()).as("nothing deleted").hasSize(4);
                assertThat(awaitBounces(mailer, "two.eml")).hasSize(1);
                assertThat(suppressed(mailer)).containsExactlyInAnyOrder("ann@example.net", "bob@example.net");
            }
        }
    }

    @Test
    void aBounceOfAQueueDraftIsPublishedOnTheBouncesQueueCorrelatedLikeItsReceipt() throws Exception {
        int brokerPort = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start();
             BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = settings(smtp, mailbox);
            s.putAll(RunningMailer.embeddedQueue(brokerPort, dir.resolve("broker")));
            try (RunningMailer mailer = RunningMailer.start(dir, s);
                 QueueClient client = new QueueClient("tcp://127.0.0.1:" + brokerPort)) {
                BytesMessage draft = client.session().createBytesMessage();
                draft.writeBytes(("To: dead@example.net, alive@example.org\r\nFrom: billing@example.org\r\n"
                        + "Subject: Invoice\r\nMessage-ID: <queue-bounce-1@example.org>\r\n\r\nThe invoice.\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                draft.setJMSCorrelationID("order-42");
                client.send("outbox", draft, Map.of());
                Message receipt = client.receive("outbox.receipts", 20_000);
                assertThat(receipt).isNotNull();
                assertThat(receipt.getJMSCorrelationID()).isEqualTo("order-42");

                mailbox.deliver(BounceReports.postfix("<qb1@mail.example.com>", "<queue-bounce-1@example.org>",
                        "dead@example.net", "failed", "5.1.1"));
                // forged: the same Message-ID, an address the draft was never sent to
                mailbox.deliver(BounceReports.postfix("<qb2@mail.example.com>", "<queue-bounce-1@example.org>",
                        "victim@example.com", "failed", "5.1.1"));

                Message bounce = client.receive("outbox.bounces", 20_000);
                assertThat(bounce).as("a bounce on outbox.bounces").isNotNull();
                assertThat(bounce.getJMSCorrelationID()).isEqualTo("order-42");
                JsonNode json = JSON.readTree(((TextMessage) bounce).getText());
                assertThat(json.path("messageId").asText()).isEqualTo("<queue-bounce-1@example.org>");
                assertThat(json.path("recipient").asText()).isEqualTo("dead@example.net");
                assertThat(json.path("status").asText()).isEqualTo("5.1.1");
                assertThat(json.path("hard").asBoolean()).isTrue();
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).until(() -> mailbox.unread().isEmpty());
                assertThat(client.receive("outbox.bounces", 500)).as("the forged report publishes nothing").isNull();
                assertThat(suppressed(mailer)).containsExactly("dead@example.net");
            }
        }
    }
}
