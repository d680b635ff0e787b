package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.SmtpsServer;
import dev.outboxmailer.support.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9 "Right class", through the real routes: a reset during the TLS handshake is a passing failure (retried,
 * then sent), not a certificate problem; a reply that means the account's sending quota pauses sending (drafts
 * untouched, health DOWN naming the reply) and sending resumes by itself once the server takes mail again; an
 * untrusted certificate stays the operator's problem.
 */
class RightClassTest {
    @TempDir
    Path dir;

    static final String DRAFT = "To: bob@example.org\r\nFrom: sender@example.com\r\nSubject: hello\r\n\r\nhi\r\n";

    @Test
    void aResetDuringTheTlsHandshakeIsRetriedAndTheDraftIsSentOnceARealServerAnswers() throws Exception {
        cutOffHandshakesAreRetried(true);
    }

    /** The JDK reports this one as an SSLHandshakeException ("Remote host terminated the handshake"). */
    @Test
    void aHandshakeTheServerEndsHalfWayIsRetriedAndTheDraftIsSentOnceARealServerAnswers() throws Exception {
        cutOffHandshakesAreRetried(false);
    }

    private void cutOffHandshakesAreRetried(boolean reset) throws Exception {
        int management = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open()) {
            int port = server.port();
            server.stop(); // for now a server that resets every handshake takes its port
            Map<String, String> settings = RunningMailer.smtps(port);
            settings.put("retry.initial-delay", "300ms");
            settings.put("retry.multiplier", "1");
            settings.put("retry.operator-recheck", "10m"); // were it held as an operator problem, it would wait long
            settings.put("smtp.connect-timeout", "2s");
            settings.put("smtp.timeout", "2s");
            settings.put("camel.management.port", String.valueOf(management));
            settings.put("health.recheck", "200ms");
            ResettingServer resetter = new ResettingServer(port, reset);
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("reset.eml", DRAFT);
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(retries(management)).isGreaterThanOrEqualTo(2));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(management, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("could not be reached").doesNotContain("certificate");
                });
                assertThat(resetter.resets()).isGreaterThanOrEqualTo(2);
                // it waits claimed, untouched
                assertThat(Files.readString(mailer.claimed("reset.eml").orElseThrow())).isEqualTo(DRAFT);
                assertThat(mailer.failedFolder()).doesNotExist();

                resetter.close();
                server.restart(); // a real server answers on that port now
                assertThat(mailer.awaitReceipt("reset.eml").get("attempts").asInt()).isGreaterThanOrEqualTo(3);
                assertThat(server.awaitMessages(1).get(0).getSubject()).isEqualTo("hello");
            } finally {
                resetter.close();
            }
        }
    }

    @Test
    void anUntrustedCertificateStaysTheOperatorsProblem() throws Exception {
        int management = ScriptedSmtpServer.freePort();
        try (SmtpsServer server = SmtpsServer.open()) {
            Map<String, String> settings = RunningMailer.smtps(server.port());
            settings.put("smtp.trust-store", TestCertificates.install().otherCaPem.toString());
            settings.put("camel.management.port", String.valueOf(management));
            settings.put("health.recheck", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                Path draft = mailer.drop("secret.eml", DRAFT);
                // GreenMail's handler thread throws on each refused handshake: not this test's failure
                await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(management, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("certificate is not trusted");
                });
                assertThat(retries(management)).isZero();
                assertThat(Files.readString(draft)).isEqualTo(DRAFT);
                assertThat(server.received()).isEmpty();
            }
        }
    }

    @Test
    void gmailsDailyQuotaAtMailFromPausesSendingAndTheDraftsGoOutWhenItIsLifted() throws Exception {
        String reply = "550 5.4.5 Daily user sending quota exceeded. d2-20020a17 - gsmtp";
        quotaPausesAndLifts(server -> server.mailReply(reply), server -> server.mailReply("250 OK"), reply);
    }

    @Test
    void outlooksSubmissionQuotaAtTheEndOfDataPausesSendingAndTheDraftsGoOutWhenItIsLifted() throws Exception {
        String reply = "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message";
        quotaPausesAndLifts(server -> server.standingDataReply(reply), server -> server.standingDataReply(null), reply);
    }

    @Test
    void qqsFrequencyLimitAtEveryRecipientPausesSendingAndTheDraftsGoOutWhenItIsLifted() throws Exception {
        String reply = "550 Ip frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1";
        quotaPausesAndLifts(server -> server.recipientReply(r -> reply), server -> server.recipientReply(r -> "250 OK"), reply);
    }

    private void quotaPausesAndLifts(Consumer<ScriptedSmtpServer> quota, Consumer<ScriptedSmtpServer> lifted,
                                     String reply) throws Exception {
        int management = ScriptedSmtpServer.freePort();
        List<String> names = List.of("one.eml", "two.eml", "three.eml");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start()) {
            quota.accept(server);
            Map<String, String> settings = RunningMailer.plain(server.port());
            settings.put("camel.management.port", String.valueOf(management));
            settings.put("health.recheck", "200ms");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                for (String name : names) {
                    mailer.drop(name, DRAFT.replace("hello", name));
                }
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    var health = RunningMailer.get(management, "/observe/health");
                    assertThat(health.getKey()).isEqualTo(503);
                    assertThat(health.getValue()).contains("sending limit").contains(reply.substring(0, 25));
                });
                int connections = server.connections();
                // the pause (retry.operator-recheck 500ms, doubling) lets a probe try again now and then
                await().atMost(Duration.ofSeconds(20)).until(() -> server.connections() > connections);
                for (String name : names) {
                    assertThat(mailer.waits(name)).as("%s waits, untouched", name).isTrue();
                }
                assertThat(mailer.failedFolder()).doesNotExist();
                assertThat(server.accepted()).isEmpty();

                lifted.accept(server);
                for (String name : names) {
                    assertThat(mailer.awaitReceipt(name).get("recipients").get(0).asText()).isEqualTo("bob@example.org");
                }
                assertThat(server.accepted()).hasSize(3);
                assertThat(mailer.failedFolder()).doesNotExist();
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(RunningMailer.get(management, "/observe/health").getKey()).isEqualTo(200));
            }
        }
    }

    /** outbox_mailer_retries_total from /observe/metrics. */
    static double retries(int management) throws Exception {
        String metrics = RunningMailer.get(management, "/observe/metrics").getValue();
        var m = java.util.regex.Pattern.compile("(?m)^outbox_mailer_retries_total(\\{[^}]*\\})? ([0-9.eE+]+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(2)) : 0;
    }

    /**
     * Takes each connection, reads the ClientHello, and resets it (RST: SO_LINGER 0, then close) or, with
     * {@code reset} false, closes it (FIN) with the handshake half done.
     */
    static final class ResettingServer implements AutoCloseable {
        private final ServerSocket socket;
        private final boolean reset;
        private final AtomicInteger resets = new AtomicInteger();

        ResettingServer(int port, boolean reset) throws IOException {
            this.reset = reset;
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Thread t = new Thread(this::loop, "resetting-server");
            t.setDaemon(true);
            t.start();
        }

        int resets() {
            return resets.get();
        }

        private void loop() {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    client.setSoTimeout(2_000);
                    client.getInputStream().read(new byte[512]); // the start of the ClientHello
                    client.setSoLinger(reset, 0);
                    resets.incrementAndGet();
                } catch (IOException e) {
                    // closed, or the client gave up
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
