package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.deliver.oauth.DeviceLogin;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.TokenEndpoint;
import dev.outboxmailer.support.XOAuth2SmtpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar outbox-mailer.jar login}: the device-code flow (RFC 8628) end to end against a real token
 * endpoint in the test, which keeps the person "still signing in" for a few polls and once asks to slow down.
 */
class DeviceLoginTest {
    static final String CLIENT_ID = "outbox-mailer-public-client";
    @TempDir
    Path dir;
    TokenEndpoint endpoint;
    Path tokenFile;
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @BeforeEach
    void endpoint() throws Exception {
        endpoint = TokenEndpoint.start(CLIENT_ID, null); // a public client: no secret
        tokenFile = dir.resolve("refresh-token");
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    Map<String, String> keys() {
        Map<String, String> k = new HashMap<>();
        k.put("smtp.oauth2.token-url", endpoint.tokenUrl());
        k.put("smtp.oauth2.device-url", endpoint.deviceUrl());
        k.put("smtp.oauth2.client-id", CLIENT_ID);
        k.put("smtp.oauth2.scope", "https://outlook.office.com/SMTP.Send offline_access");
        k.put("smtp.oauth2.refresh-token-file", tokenFile.toString());
        return k;
    }

    int login(Map<String, String> keys) throws InterruptedException {
        return DeviceLogin.run(key -> Optional.ofNullable(keys.get(key)), new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    String output() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void signingInWritesTheRefreshTokenFileAfterPollingPolitelyAndTheMailerSendsWithIt() throws Exception {
        endpoint.deviceFlow(2, true, "approve"); // two authorization_pending, one slow_down, then signed in
        assertThat(login(keys())).as(output()).isZero();

        assertThat(output()).contains("open http://127.0.0.1:" + endpoint.port() + "/device")
                .contains("enter the code WDJB-MJHT").contains("Signed in").contains(tokenFile.toAbsolutePath().toString());
        String refreshToken = Files.readString(tokenFile).strip();
        assertThat(endpoint.liveRefreshTokens()).contains(refreshToken);
        assertThat(output()).doesNotContain(refreshToken);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");

        // polled at the interval (1 s), and 5 s slower after slow_down
        List<Long> polls = endpoint.pollNanos();
        assertThat(polls).hasSize(4);
        for (int i = 1; i < 3; i++) {
            assertThat(polls.get(i) - polls.get(i - 1)).isGreaterThanOrEqualTo(Duration.ofMillis(950).toNanos());
        }
        assertThat(polls.get(3) - polls.get(2)).as("after slow_down").isGreaterThanOrEqualTo(Duration.ofMillis(5_950).toNanos());
        assertThat(endpoint.requests()).allSatisfy(r -> assertThat(r).containsEntry("client_id", CLIENT_ID)
                .containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:device_code"));

        // the file is what the mailer needs
        try (XOAuth2SmtpServer smtp = XOAuth2SmtpServer.start(endpoint, "me@example.com")) {
            Map<String, String> settings = RunningMailer.smtps(smtp.port());
            settings.putAll(keys());
            settings.put("smtp.security", "starttls");
            settings.put("smtp.auth", "xoauth2");
            settings.put("smtp.username", "me@example.com");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("hello.json", "{\"to\": \"bob@example.org\", \"subject\": \"signed in\", \"text\": \"hi\"}");
                mailer.awaitReceipt("hello.json");
            }
            assertThat(smtp.received()).hasSize(1);
        }
    }

    @Test
    void aCodeThatExpiresSaysSoAndWritesNothing() throws Exception {
        endpoint.deviceFlow(1, false, "expired_token");
        assertThat(login(keys())).isEqualTo(1);
        assertThat(output()).contains("the code expired before the sign-in finished: run login again");
        assertThat(tokenFile).doesNotExist();
    }

    @Test
    void aDeclinedSignInSaysSoAndWritesNothing() throws Exception {
        endpoint.deviceFlow(0, false, "access_denied");
        assertThat(login(keys())).isEqualTo(1);
        assertThat(output()).contains("the sign-in was declined (access_denied); nothing was written");
        assertThat(tokenFile).doesNotExist();
    }

    @Test
    void withoutADeviceEndpointTheBrowserSignInWritesTheFile() throws Exception {
        Map<String, String> keys = keys();
        keys.remove("smtp.oauth2.device-url"); // as for Google, whose device flow does not allow the Gmail scope
        keys.put("smtp.oauth2.authorize-url", endpoint.authorizeUrl());
        keys.put("smtp.oauth2.scope", "https://mail.google.com/");
        var login = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return login(keys);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // the person opens the printed address in a browser; the endpoint sends the browser back to the loopback
        String address = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> output().lines().filter(l -> l.startsWith(endpoint.authorizeUrl())).findFirst(), Optional::isPresent)
                .orElseThrow();
        var browser = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        var page = browser.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(address)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).contains("you may close this window");
        assertThat(login.get(20, java.util.concurrent.TimeUnit.SECONDS)).as(output()).isZero();

        assertThat(address).contains("code_challenge_method=S256").contains("access_type=offline")
                .contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A");
        String refreshToken = Files.readString(tokenFile).strip();
        assertThat(endpoint.liveRefreshTokens()).contains(refreshToken);
        assertThat(output()).contains("Signed in").doesNotContain(refreshToken);
        assertThat(endpoint.requests().get(endpoint.requests().size() - 1)).containsEntry("grant_type", "authorization_code")
                .containsKey("code_verifier");
    }

    @Test
    void aDeclinedBrowserSignInSaysSoAndWritesNothing() throws Exception {
        endpoint.browserSignIn("access_denied");
        Map<String, String> keys = keys();
        keys.remove("smtp.oauth2.device-url");
        keys.put("smtp.oauth2.authorize-url", endpoint.authorizeUrl());
        var login = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return login(keys);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        String address = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> output().lines().filter(l -> l.startsWith(endpoint.authorizeUrl())).findFirst(), Optional::isPresent)
                .orElseThrow();
        java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build()
                .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(address)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(login.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(output()).contains("the sign-in was declined (access_denied); nothing was written");
        assertThat(tokenFile).doesNotExist();
    }

    @Test
    void aMissingDeviceEndpointIsAConfigurationError() throws Exception {
        Map<String, String> keys = keys();
        keys.remove("smtp.oauth2.device-url");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> login(keys))
                .hasMessageStartingWith("smtp.oauth2.authorize-url: login needs the authorization endpoint");
        keys.put("smtp.oauth2.login-flow", "device");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> login(keys))
                .hasMessage("smtp.oauth2.device-url: login needs the device authorization endpoint: set "
                        + "smtp.oauth2.device-url, or smtp.provider=outlook");
    }
}
