package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A provider that no longer takes passwords answers a password login with its own reply (Microsoft's
 * {@code 535 5.7.139} and {@code 550 5.7.30}): the drafts are held, and health says to switch to
 * {@code smtp.auth=xoauth2}.
 */
class BasicAuthDisabledTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
            "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
            "550 5.7.30 Basic authentication is not supported for Client Submission."})
    void aRefusedPasswordLoginSaysToSwitchToXoauth2(String reply) throws Exception {
        assertThat(heldFor(reply)).contains("no longer takes a password login").contains(reply.substring(4, 12))
                .contains("switch to smtp.auth=xoauth2");
    }

    @org.junit.jupiter.api.Test
    void smtpAuthDisabledForTheMailboxIsNotMistakenForIt() throws Exception {
        String reply = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.";
        assertThat(heldFor(reply)).contains("refused the login").contains("SmtpClientAuthentication is disabled")
                .doesNotContain("xoauth2");
    }

    /** Drops a draft for a server that answers AUTH with this reply: the reason it is held, once health is DOWN. */
    private String heldFor(String reply) throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        int code = Integer.parseInt(reply.substring(0, 3));
        SMTPServer server = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .authenticationHandlerFactory(new AuthenticationHandlerFactory() {
                    @Override
                    public List<String> getAuthenticationMechanisms() {
                        return List.of("PLAIN", "LOGIN");
                    }

                    @Override
                    public AuthenticationHandler create() {
                        return new AuthenticationHandler() {
                            @Override
                            public java.util.Optional<String> auth(String clientInput, org.subethamail.smtp.MessageContext context)
                                    throws RejectException {
                                throw new RejectException(code, reply.substring(4));
                            }

                            @Override
                            public Object getIdentity() {
                                return null;
                            }
                        };
                    }
                })
                .requireAuth()
                .messageHandler((context, from, to, data) -> received.add(new String(data)))
                .build();
        server.start();
        Map<String, String> settings = RunningMailer.plain(server.getPortAllocated());
        settings.put("smtp.username", "me@contoso.com");
        settings.put("smtp.password", "an-app-password");
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            String draft = "{\"to\": \"bob@example.org\", \"subject\": \"hi\", \"text\": \"hi\"}";
            Path file = mailer.drop("hi.json", draft);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            assertThat(Files.readString(file)).isEqualTo(draft);
            assertThat(mailer.failedFolder()).doesNotExist();
            assertThat(received).isEmpty();
            return DeliveryFaultsTest.smtpHealth(mailer).getMessage().orElseThrow();
        } finally {
            server.stop();
        }
    }
}
