package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.BounceMailbox;
import dev.outboxmailer.support.BounceReports;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.SmtpsServer;
import dev.outboxmailer.support.TestCertificates;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §11 through the real routes: drafts go out over SMTPS (GreenMail); real-shaped reports arrive in a bounce
 * mailbox on GreenMail's IMAPS/POP3S servers; the mailer reads them and files what a user sees beside the receipt.
 */
class BouncesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static SmtpsServer smtp;
    @TempDir
    Path dir;

    @BeforeAll
    static void startSmtp() {
        // GreenMail's handler threads throw when a client drops the TLS handshake (the untrusted certificate): not a failure here
        org.awaitility.Awaitility.doNotCatchUncaughtExceptionsByDefault();
        smtp = SmtpsServer.open();
    }

    @AfterAll
    static void stopSmtp() {
        org.awaitility.Awaitility.reset();
        smtp.close();
    }

    private Map<String, String> settings(String url) {
        Map<String, String> s = RunningMailer.smtps(smtp.port());
        s.put("bounces.url", url);
        s.put("bounces.username", BounceMailbox.USER);
        s.put("bounces.password", BounceMailbox.PASSWORD);
        s.put("bounces.poll-delay", "200ms");
        return s;
    }

    private static String draft(String... to) {
        return "To: " + String.join(", ", to) + "\r\nFrom: mailer@example.com\r\nSubject: Invoice\r\n\r\nThe invoice.\r\n";
    }

    /** Sends a draft and returns the Message-ID its receipt names. */
    private static String send(RunningMailer mailer, String name, String... to) throws Exception {
        mailer.drop(name, draft(to));
        return mailer.awaitReceipt(name).path("messageId").asText();
    }

    private static JsonNode awaitBounces(RunningMailer mailer, String name, int count) {
        Path file = mailer.sentFolder().resolve(name + ".bounce.json");
        await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(file)
                && JSON.readTree(file.toFile()).path("bounces").size() >= count);
        try {
            return JSON.readTree(file.toFile());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double bounces(RunningMailer mailer, String kind) {
        MeterRegistry registry = mailer.context().getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        var counter = registry.find("outbox.mailer.bounces").tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void eachKindOfReportIsMatchedToItsDraftOverImapsAndHardOnesAreSuppressed() throws Exception {
        try (BounceMailbox mailbox = new BounceMailbox();
             RunningMailer mailer = RunningMailer.start(dir, settings(mailbox.imapsUrl()))) {
            String postfix = send(mailer, "postfix.eml", "dead@example.net", "alive@example.org");
            String delayed = send(mailer, "delayed.eml", "slow@example.net");
            String exchange = send(mailer, "exchange.eml", "gone@contoso.com", "alice@example.org");
            String gmail = send(mailer, "gmail.eml", "nobody@gmail.com", "alice@example.org");
            String qq = send(mailer, "qq.eml", "wrong@qq.com");

            mailbox.deliver(BounceReports.postfix("<r1@mail.example.com>", postfix, "dead@example.net", "failed", "5.1.1"));
            mailbox.deliver(BounceReports.postfix("<r2@mail.example.com>", delayed, "slow@example.net", "delayed", "4.4.1"));
            mailbox.deliver(BounceReports.exchange(exchange, "gone@contoso.com"));
            mailbox.deliver(BounceReports.gmail(gmail, "nobody@gmail.com"));
            mailbox.deliver(BounceReports.qq(qq, "wrong@qq.com"));
            mailbox.deliver(BounceReports.outOfOffice(postfix, "alive@example.org"));
            mailbox.deliver(BounceReports.unrelated());
            // forged: names the postfix draft's Message-ID, for an address that draft was never sent to
            mailbox.deliver(BounceReports.postfix("<forged@evil.example>", postfix, "victim@example.com", "failed", "5.1.1"));

            JsonNode p = awaitBounces(mailer, "postfix.eml", 1);
            assertThat(p.path("messageId").asText()).isEqualTo(postfix);
            JsonNode b = p.path("bounces").get(0);
            assertThat(b.path("recipient").asText()).isEqualTo("dead@example.net");
            assertThat(b.path("action").asText()).isEqualTo("failed");
            assertThat(b.path("status").asText()).isEqualTo("5.1.1");
            assertThat(b.path("hard").asBoolean()).isTrue();
            assertThat(b.path("reportingMta").asText()).isEqualTo("mail.example.com");
            assertThat(b.path("diagnostic").asText()).contains("User unknown");
            assertThat(b.path("receivedAt").asText()).isNotEmpty();

            JsonNode d = awaitBounces(mailer, "delayed.eml", 1).path("bounces").get(0);
            assertThat(d.path("action").asText()).isEqualTo("delayed");
            assertThat(d.path("status").asText()).isEqualTo("4.4.1");
            assertThat(d.path("hard").asBoolean()).isFalse();

            JsonNode e = awaitBounces(mailer, "exchange.eml", 1).path("bounces");
            assertThat(e).hasSize(1);
            assertThat(e.get(0).path("recipient").asText()).isEqualTo("gone@contoso.com");
            assertThat(e.get(0).path("status").asText()).isEqualTo("5.1.10");
            assertThat(e.get(0).path("hard").asBoolean()).isTrue();

            JsonNode g = awaitBounces(mailer, "gmail.eml", 1).path("bounces");
            assertThat(g).hasSize(1);
            assertThat(g.get(0).path("recipient").asText()).isEqualTo("nobody@gmail.com");
            assertThat(g.get(0).path("status").asText()).isEqualTo("5.1.1");

            JsonNode q = awaitBounces(mailer, "qq.eml", 1).path("bounces");
            assertThat(q.get(0).path("recipient").asText()).isEqualTo("wrong@qq.com");
            assertThat(q.get(0).path("status").asText()).isEqualTo("5.0.0");
            assertThat(q.get(0).path("hard").asBoolean()).isTrue();

            // everything was read; nothing was deleted
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).until(() -> mailbox.unread().isEmpty());
            assertThat(mailbox.messages()).hasSize(8);
            // the forged report and the auto-reply changed nothing
            Thread.sleep(500);
            assertThat(awaitBounces(mailer, "postfix.eml", 1).path("bounces")).hasSize(1);
            List<String> suppressed = suppressed(mailer);
            assertThat(suppressed).containsExactlyInAnyOrder("dead@example.net", "gone@contoso.com",
                    "nobody@gmail.com", "wrong@qq.com");
            assertThat(bounces(mailer, "hard")).isEqualTo(4.0);
            assertThat(bounces(mailer, "soft")).isEqualTo(1.0);
        }
    }

    @Test
    void overPop3sARestartDoesNotReadABounceTwice() throws Exception {
        try (BounceMailbox mailbox = new BounceMailbox()) {
            String id;
            Path outbox;
            try (RunningMailer mailer = RunningMailer.start(dir, settings(mailbox.pop3sUrl()))) {
                id = send(mailer, "run.eml", "one@example.net", "two@example.net");
                mailbox.deliver(BounceReports.postfix("<p1@mail.example.com>", id, "one@example.net", "failed", "5.1.1"));
                awaitBounces(mailer, "run.eml", 1);
                assertThat(bounces(mailer, "hard")).isEqualTo(1.0);
                outbox = mailer.outbox;
            }
            try (RunningMailer again = RunningMailer.start(dir, settings(mailbox.pop3sUrl()))) {
                mailbox.deliver(BounceReports.postfix("<p2@mail.example.com>", id, "two@example.net", "failed", "5.2.2"));
                JsonNode both = awaitBounces(again, "run.eml", 2).path("bounces");
                assertThat(both).hasSize(2);
                assertThat(bounces(again, "hard")).as("only the new report was read").isEqualTo(1.0);
                assertThat(mailbox.messages()).as("POP3: nothing deleted").hasSize(2);
            }
            assertThat(outbox).exists();
        }
    }

    @Test
    void laterDraftsLeaveSuppressedRecipientsOutUntilTheLineIsDeleted() throws Exception {
        try (BounceMailbox mailbox = new BounceMailbox();
             RunningMailer mailer = RunningMailer.start(dir, settings(mailbox.imapsUrl()))) {
            String id = send(mailer, "a.eml", "dead@example.net");
            mailbox.deliver(BounceReports.postfix("<s1@mail.example.com>", id, "dead@example.net", "failed", "5.1.1"));
            awaitBounces(mailer, "a.eml", 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> suppressed(mailer).contains("dead@example.net"));
            smtp.reset();

            mailer.drop("b.eml", draft("Dead <DEAD@example.net>", "alive@example.org"));
            JsonNode receipt = mailer.awaitReceipt("b.eml");
            assertThat(receipt.path("recipients").toString()).contains("alive@example.org").doesNotContain("dead@");
            assertThat(receipt.path("suppressed").toString()).contains("DEAD@example.net");
            assertThat(smtp.awaitMessages(1)).hasSize(1);
            assertThat(smtp.received()[0].getAllRecipients()).hasSize(2); // the header is as written; the envelope left dead out

            mailer.drop("c.eml", draft("dead@example.net"));
            JsonNode error = mailer.awaitError("c.eml");
            assertThat(error.path("kind").asText()).isEqualTo("suppressed");
            assertThat(error.path("reason").asText()).contains("dead@example.net").contains("suppression list");

            // deleting the line releases the address
            Path csv = mailer.outbox.resolve(".state").resolve("suppressed.csv");
            Files.write(csv, Files.readAllLines(csv).stream().filter(l -> !l.startsWith("dead@")).toList());
            JsonNode released = null;
            mailer.drop("d.eml", draft("dead@example.net"));
            released = mailer.awaitReceipt("d.eml");
            assertThat(released.path("recipients").toString()).contains("dead@example.net");
            assertThat(released.has("suppressed")).isFalse();
        }
    }

    @Test
    void anOversizeOrBrokenReportIsLeftAloneAndTheRouteGoesOn() throws Exception {
        try (BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = settings(mailbox.imapsUrl());
            s.put("bounces.max-size", "64KB");
            try (RunningMailer mailer = RunningMailer.start(dir, s)) {
                String id = send(mailer, "big.eml", "dead@example.net", "other@example.net");
                String huge = BounceReports.postfix("<h1@mail.example.com>", id, "dead@example.net", "failed", "5.1.1")
                        .replace("This is the mail system", "x".repeat(200_000) + "\nThis is the mail system");
                mailbox.deliver(huge);
                mailbox.deliver("""
                        From: MAILER-DAEMON@mail.example.com
                        Subject: Undelivered Mail Returned to Sender
                        Message-ID: <broken@mail.example.com>
                        Content-Type: multipart/report; report-type=delivery-status; boundary="never-closed"

                        --never-closed
                        Content-Type: message/delivery-status

                        Reporting-MTA: dns; mail.example.com
                        Final-Recipient: rfc822; dead@example.net
                        Action: failed
                        """);
                mailbox.deliver(BounceReports.postfix("<h2@mail.example.com>", id, "other@example.net", "failed", "5.1.1"));
                JsonNode bounces = awaitBounces(mailer, "big.eml", 1).path("bounces");
                await().atMost(Duration.ofSeconds(20)).until(() -> mailbox.unread().isEmpty());
                assertThat(bounces).hasSize(1);
                assertThat(bounces.get(0).path("recipient").asText()).isEqualTo("other@example.net");
                assertThat(suppressed(mailer)).containsExactly("other@example.net");
                assertThat(mailbox.messages()).hasSize(3);
            }
        }
    }

    @Test
    void aWrongPasswordOrAnUntrustedCertificateIsShownOnHealthAndSendingGoesOn() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (BounceMailbox mailbox = new BounceMailbox()) {
            Map<String, String> s = settings(mailbox.imapsUrl());
            s.put("bounces.password", "wrong");
            s.put("camel.management.port", String.valueOf(port));
            s.put("health.recheck", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir.resolve("a"), s)) {
                send(mailer, "still-sent.eml", "bob@example.org");
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("\"name\":\"bounces\"").contains("login was refused")
                            .doesNotContain("wrong");
                });
            }
            s = settings(mailbox.imapsUrl());
            s.put("bounces.trust-store", TestCertificates.install().otherCaPem.toString());
            s.put("camel.management.port", String.valueOf(port));
            s.put("health.recheck", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir.resolve("b"), s)) {
                send(mailer, "still-sent.eml", "bob@example.org");
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("\"name\":\"bounces\"").contains("not trusted");
                });
            }
            // the mailbox down, then back
            s = settings(mailbox.imapsUrl());
            s.put("camel.management.port", String.valueOf(port));
            s.put("health.recheck", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir.resolve("c"), s)) {
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(RunningMailer.get(port, "/observe/health").getKey()).isEqualTo(200));
                mailbox.stop();
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(port, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("\"name\":\"bounces\"");
                });
                mailbox.restart();
                String id = send(mailer, "after.eml", "dead@example.net");
                mailbox.deliver(BounceReports.postfix("<c1@mail.example.com>", id, "dead@example.net", "failed", "5.1.1"));
                awaitBounces(mailer, "after.eml", 1);
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(RunningMailer.get(port, "/observe/health").getKey()).isEqualTo(200));
            }
        }
    }

    private static List<String> suppressed(RunningMailer mailer) throws Exception {
        Path csv = mailer.outbox.resolve(".state").resolve("suppressed.csv");
        List<String> out = new ArrayList<>();
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv)) {
                if (!line.isBlank() && !line.startsWith("address,")) {
                    out.add(line.split(",")[0]);
                }
            }
        }
        return out;
    }
}
