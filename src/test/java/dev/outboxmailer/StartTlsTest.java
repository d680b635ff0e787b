package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.TestCertificates;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.subethamail.smtp.server.SMTPServer;

/** smtp.security=starttls: upgraded to TLS before anything is sent, and never sent in plain text. */
class StartTlsTest {
    @TempDir
    Path dir;

    static final String DRAFT = "{\"to\": \"bob@example.org\", \"subject\": \"over starttls\", \"text\": \"secret body\"}";

    @Test
    void aServerOfferingStartTlsGetsTheMailOverTls() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        SMTPServer server = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .enableTLS()
                .requireTLS() // refuses MAIL FROM before the upgrade
                .startTlsSocketFactory(serverTls())
                .messageHandler((context, from, to, data) -> received.add(new String(data, StandardCharsets.UTF_8)))
                .build();
        server.start();
        try (RunningMailer mailer = RunningMailer.start(dir, settings(server.getPortAllocated()))) {
            mailer.drop("tls.json", DRAFT);
            JsonNode receipt = mailer.awaitReceipt("tls.json");
            assertThat(receipt.get("recipients").get(0).asText()).isEqualTo("bob@example.org");
            assertThat(received).hasSize(1);
            assertThat(received.get(0)).contains("Subject: over starttls");
        } finally {
            server.stop();
        }
    }

    @Test
    void aServerWithoutStartTlsGetsNothingTheDraftWaitsAndHealthSaysWhy() throws Exception {
        try (ScriptedSmtpServer plainOnly = ScriptedSmtpServer.start(); // does not offer STARTTLS
             RunningMailer mailer = RunningMailer.start(dir, settings(plainOnly.port()))) {
            Path draft = mailer.drop("tls.json", DRAFT);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getMessage())
                    .hasValueSatisfying(m -> assertThat(m).contains("does not offer STARTTLS"));
            assertThat(plainOnly.accepted()).isEmpty();
            assertThat(Files.readString(draft)).isEqualTo(DRAFT);
            assertThat(mailer.failedFolder()).doesNotExist();
        }
    }

    private static Map<String, String> settings(int port) {
        Map<String, String> settings = RunningMailer.smtps(port);
        settings.put("smtp.security", "starttls");
        settings.put("retry.initial-delay", "5s");
        return settings;
    }

    private static SSLContext serverTls() throws Exception {
        TestCertificates certs = TestCertificates.install();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.serverKeystore)) {
            store.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, TestCertificates.PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
