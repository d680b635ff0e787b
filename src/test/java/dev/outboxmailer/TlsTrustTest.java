package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.SmtpsServer;
import dev.outboxmailer.support.TestCertificates;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS is verified: a server whose certificate is not trusted, or not made for the name we dialled,
 * receives nothing, and the draft waits in the outbox untouched (the operator's problem, not the draft's).
 */
class TlsTrustTest {
    static SmtpsServer server;
    @TempDir
    Path dir;

    static final String DRAFT = "To: bob@example.org\r\nFrom: a@example.com\r\nSubject: secret\r\n\r\nconfidential\r\n";

    @BeforeAll
    static void server() {
        server = SmtpsServer.open();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void purge() throws Exception {
        server.reset();
    }

    @Test
    void aCertificateFromAnUntrustedCaReceivesNothing() throws Exception {
        Map<String, String> settings = RunningMailer.smtps(server.port());
        settings.put("smtp.trust-store", TestCertificates.install().otherCaPem.toString());
        assertNothingSentAndDraftKept(settings);
    }

    @Test
    void withoutATrustStoreTheJdkCasAloneDecide() throws Exception {
        Map<String, String> settings = RunningMailer.smtps(server.port());
        settings.remove("smtp.trust-store");
        assertNothingSentAndDraftKept(settings);
    }

    @Test
    void aTrustedCertificateForAnotherNameReceivesNothing() throws Exception {
        Map<String, String> settings = RunningMailer.smtps(server.port());
        settings.put("smtp.host", "127.0.0.1"); // the certificate names localhost only
        assertNothingSentAndDraftKept(settings);
    }

    private void assertNothingSentAndDraftKept(Map<String, String> settings) throws Exception {
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            Path draft = mailer.drop("secret.eml", DRAFT);
            Thread.sleep(2_000); // several polls: each attempt fails the handshake
            assertThat(server.received()).isEmpty();
            assertThat(java.nio.file.Files.readString(draft)).isEqualTo(DRAFT);
            assertThat(mailer.failedFolder()).doesNotExist();
            assertThat(mailer.outbox.resolve(".sent")).doesNotExist();
        }
    }
}
