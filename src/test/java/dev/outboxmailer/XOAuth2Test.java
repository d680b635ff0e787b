package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.TokenEndpoint;
import dev.outboxmailer.support.XOAuth2SmtpServer;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.health.HealthCheck;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §10 through the real routes: a real token endpoint in the test (rotating refresh tokens, short-lived
 * access tokens) and a real SMTP server that requires STARTTLS and takes {@code AUTH XOAUTH2} only.
 */
class XOAuth2Test {
    static final String MAILBOX = "sender@example.com";
    static final String CLIENT_ID = "outbox-mailer-test-app";
    static final String CLIENT_SECRET = "s3cr3t-client-value";

    @TempDir
    Path dir;
    TokenEndpoint endpoint;
    XOAuth2SmtpServer smtp;
    Path refreshTokenFile;

    @BeforeEach
    void servers() throws Exception {
        endpoint = TokenEndpoint.start(CLIENT_ID, CLIENT_SECRET);
        smtp = XOAuth2SmtpServer.start(endpoint, MAILBOX);
        refreshTokenFile = dir.resolve("login").resolve("refresh-token");
        Files.createDirectories(refreshTokenFile.getParent());
    }

    @AfterEach
    void stop() {
        smtp.close();
        endpoint.close();
    }

    static String draft(String subject) {
        return "{\"to\": \"bob@example.org\", \"subject\": \"" + subject + "\", \"text\": \"body of " + subject + "\"}";
    }

    Map<String, String> settings() {
        Map<String, String> s = RunningMailer.smtps(smtp.port());
        s.put("smtp.security", "starttls");
        s.put("smtp.auth", "xoauth2");
        s.put("smtp.username", MAILBOX);
        s.put("smtp.oauth2.token-url", endpoint.tokenUrl());
        s.put("smtp.oauth2.client-id", CLIENT_ID);
        s.put("smtp.oauth2.client-secret", CLIENT_SECRET);
        s.put("smtp.oauth2.scope", "https://outlook.office.com/SMTP.Send offline_access");
        s.put("smtp.oauth2.refresh-token-file", refreshTokenFile.toString());
        s.put("smtp.oauth2.timeout", "2s");
        s.put("retry.initial-delay", "300ms");
        s.put("retry.multiplier", "1");
        s.put("retry.operator-recheck", "500ms");
        return s;
    }

    @Test
    void theRefreshTokenGrantSendsAndTheRotatedTokenIsKeptAndUsedAfterARestart() throws Exception {
        String original = endpoint.issueRefreshToken();
        Files.writeString(refreshTokenFile, original + "\n");
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            mailer.drop("first.json", draft("first"));
            assertThat(mailer.awaitReceipt("first.json").get("attempts").asInt()).isEqualTo(1);
            mailer.drop("second.json", draft("second"));
            mailer.awaitReceipt("second.json");
        }
        assertThat(smtp.received()).hasSize(2);
        assertThat(smtp.received().get(0)).contains("Subject: first");
        assertThat(endpoint.tokenRequests()).as("one token for both drafts").isEqualTo(1);
        // the client authenticated with form fields (client_secret_post) and asked for the scope
        assertThat(endpoint.requests().get(0)).containsEntry("client_id", CLIENT_ID)
                .containsEntry("client_secret", CLIENT_SECRET).containsEntry("grant_type", "refresh_token")
                .containsEntry("scope", "https://outlook.office.com/SMTP.Send offline_access");

        String rotated = Files.readString(refreshTokenFile).strip();
        assertThat(rotated).isNotEqualTo(original);
        assertThat(endpoint.isRevoked(original)).isTrue();
        assertThat(endpoint.liveRefreshTokens()).containsExactly(rotated);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(refreshTokenFile))).isEqualTo("rw-------");
        try (Stream<Path> left = Files.list(refreshTokenFile.getParent())) {
            assertThat(left).as("no temporary file left beside it").containsExactly(refreshTokenFile);
        }

        try (RunningMailer restarted = RunningMailer.start(dir, settings())) {
            restarted.drop("after-restart.json", draft("after restart"));
            assertThat(restarted.awaitReceipt("after-restart.json").get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(endpoint.requests().get(1)).containsEntry("refresh_token", rotated);
        assertThat(endpoint.isRevoked(rotated)).isTrue();
        assertThat(Files.readString(refreshTokenFile).strip()).isIn(endpoint.liveRefreshTokens());
        assertThat(smtp.refusedTokens()).isEmpty();
    }

    @Test
    void theClientCredentialsGrantWithHttpBasicSharesOneTokenAcrossThePooledConnections() throws Exception {
        endpoint.clientAuth(TokenEndpoint.ClientAuth.BASIC);
        Map<String, String> settings = settings();
        settings.remove("smtp.oauth2.refresh-token-file");
        settings.put("smtp.oauth2.grant", "client_credentials");
        settings.put("smtp.oauth2.client-auth", "basic");
        settings.put("smtp.oauth2.scope", "https://outlook.office365.com/.default");
        settings.put("smtp.connections", "4");
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            for (int i = 1; i <= 12; i++) {
                mailer.drop("app-" + i + ".json", draft("app " + i));
            }
            for (int i = 1; i <= 12; i++) {
                mailer.awaitReceipt("app-" + i + ".json");
            }
        }
        assertThat(smtp.received()).hasSize(12);
        assertThat(smtp.logins()).as("several connections in parallel").isGreaterThan(1);
        assertThat(endpoint.tokenRequests()).as("one token request, shared by every connection").isEqualTo(1);
        assertThat(new HashSet<>(smtp.acceptedTokens())).hasSize(1);
        assertThat(endpoint.requests().get(0)).containsEntry("grant_type", "client_credentials")
                .doesNotContainKey("client_secret");
    }

    @Test
    void tokensThatExpireMidRunAreRenewedForNewConnections() throws Exception {
        endpoint.lifetime(Duration.ofSeconds(2)).rotate(false);
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            mailer.drop("early.json", draft("early"));
            mailer.awaitReceipt("early.json");
            String first = smtp.acceptedTokens().get(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> !endpoint.valid(first)); // it has expired
            smtp.restart(); // the open connection is gone: the next draft needs a new one
            Thread.sleep(2_200); // long enough idle that the pool checks its connection before use (and finds it gone)
            mailer.drop("late.json", draft("late"));
            assertThat(mailer.awaitReceipt("late.json").get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(smtp.refusedTokens()).as("never an expired token presented").isEmpty();
        assertThat(new HashSet<>(smtp.acceptedTokens())).hasSize(smtp.acceptedTokens().size()).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aTokenTheServerRefusesIsDroppedRefreshedOnceAndTriedOnANewConnection() throws Exception {
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            mailer.drop("before.json", draft("before"));
            mailer.awaitReceipt("before.json");
            String cached = smtp.acceptedTokens().get(0);
            endpoint.revoke(cached); // e.g. the user's sessions were revoked; it still looks valid to the mailer
            smtp.restart();
            Thread.sleep(2_200); // long enough idle that the pool checks its connection before use
            mailer.drop("after.json", draft("after"));
            assertThat(mailer.awaitReceipt("after.json").get("attempts").asInt()).isEqualTo(1);
            assertThat(smtp.refusedTokens()).containsExactly(cached);
        }
        assertThat(endpoint.tokenRequests()).isEqualTo(2);
        assertThat(smtp.received()).hasSize(2);
    }

    @Test
    void invalidGrantHoldsTheDraftsHealthSaysWhyAndANewLoginResumesWithoutARestart() throws Exception {
        String revoked = endpoint.issueRefreshToken();
        endpoint.revoke(revoked);
        Files.writeString(refreshTokenFile, revoked);
        StringWriter log = capture();
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            for (int i = 1; i <= 3; i++) {
                mailer.drop("held-" + i + ".json", draft("held " + i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("invalid_grant").contains(endpoint.tokenUrl()).contains("run `java -jar outbox-mailer.jar login` again"));
            Thread.sleep(1_500);
            for (int i = 1; i <= 3; i++) {
                assertThat(Files.readString(mailer.claimed("held-" + i + ".json").orElse(mailer.outbox.resolve("held-" + i + ".json")))).isEqualTo(draft("held " + i));
            }
            assertThat(mailer.failedFolder()).doesNotExist();
            assertThat(smtp.received()).isEmpty();
            assertThat(smtp.logins()).as("no login without a token").isZero();

            Files.writeString(refreshTokenFile, endpoint.issueRefreshToken()); // what `login` does
            for (int i = 1; i <= 3; i++) {
                assertThat(mailer.awaitReceipt("held-" + i + ".json").get("attempts").asInt()).isEqualTo(1);
            }
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getState()).isEqualTo(HealthCheck.State.UP);
        } finally {
            release();
        }
        assertThat(log.toString().lines().filter(l -> l.contains("HELD")).count()).as(log.toString()).isEqualTo(1);
        assertThat(log.toString()).contains("RESUMED");
    }

    @Test
    void aWrongClientSecretIsHeldOnceWithWhatToCheckAndANewSecretFileResumesWithoutARestart() throws Exception {
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        Path secretFile = Files.writeString(dir.resolve("client-secret"), "not-the-secret\n");
        Map<String, String> settings = settings();
        settings.remove("smtp.oauth2.client-secret");
        settings.put("smtp.oauth2.client-secret-file", secretFile.toString());
        StringWriter log = capture();
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            Path draft = mailer.drop("held.json", draft("held"));
            await().atMost(Duration.ofSeconds(10)).until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("invalid_client: AADSTS7000215: Invalid client secret provided.")
                    .contains("check smtp.oauth2.client-id and smtp.oauth2.client-secret")
                    .doesNotContain("Trace ID"));
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.tokenRequests() >= 3); // probes after each pause
            assertThat(Files.readString(draft)).isEqualTo(draft("held"));
            assertThat(mailer.failedFolder()).doesNotExist();

            Files.writeString(secretFile, CLIENT_SECRET + "\n"); // the operator puts the right secret in the file
            assertThat(mailer.awaitReceipt("held.json").get("attempts").asInt()).isEqualTo(1);
        } finally {
            release();
        }
        assertThat(log.toString().lines().filter(l -> l.contains("HELD")).count()).as("logged once").isEqualTo(1);
        assertThat(log.toString()).doesNotContain("not-the-secret");
    }

    @Test
    void aFreshTokenRefusedAgainIsHeldWithWhatToCheck() throws Exception {
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        Map<String, String> settings = settings();
        settings.put("smtp.username", "someone-else@example.com"); // not the mailbox that signed in
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            Path draft = mailer.drop("held.json", draft("held"));
            await().atMost(Duration.ofSeconds(10)).until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("refused a freshly issued OAuth2 token for someone-else@example.com")
                    .contains("\"status\":\"401\"").contains("check that smtp.username is the mailbox"));
            assertThat(Files.readString(draft)).isEqualTo(draft("held"));
            assertThat(mailer.failedFolder()).doesNotExist();
        }
        assertThat(smtp.refusedTokens()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(smtp.received()).isEmpty();
    }

    @Test
    void aServerWithoutXoauth2IsHeldWithWhatToCheck() throws Exception {
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        try (ScriptedSmtpServer passwordsOnly = ScriptedSmtpServer.start().login(MAILBOX, "a-password")) { // PLAIN, LOGIN
            Map<String, String> settings = settings();
            settings.putAll(RunningMailer.plain(passwordsOnly.port()));
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                Path draft = mailer.drop("held.json", draft("held"));
                await().atMost(Duration.ofSeconds(10)).until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
                assertThat(DeliveryFaultsTest.smtpHealth(mailer).getMessage()).hasValueSatisfying(m -> assertThat(m)
                        .contains("does not offer AUTH XOAUTH2"));
                assertThat(Files.readString(draft)).isEqualTo(draft("held"));
                assertThat(endpoint.tokenRequests()).as("no token thrown away").isEqualTo(1);
            }
            assertThat(passwordsOnly.accepted()).isEmpty();
        }
    }

    @Test
    void aTokenEndpointThatIsDownOrFailingMakesTheDraftsWaitAndTheyGoOnceItIsBack() throws Exception {
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        endpoint.stop();
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            mailer.drop("waiting.json", draft("waiting"));
            mailer.awaitRetryRecord("waiting.json");
            await().atMost(Duration.ofSeconds(10)).until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("token endpoint " + endpoint.tokenUrl()).contains("could not be reached"));
            assertThat(mailer.waits("waiting.json")).isTrue();

            endpoint.restart();
            endpoint.failWith(503); // up, but failing
            Thread.sleep(1_000);
            assertThat(mailer.waits("waiting.json")).isTrue();
            assertThat(mailer.failedFolder()).doesNotExist();
            assertThat(endpoint.tokenRequests()).isPositive();

            endpoint.failWith(0);
            assertThat(mailer.awaitReceipt("waiting.json").get("attempts").asInt()).isGreaterThanOrEqualTo(3);
            assertThat(DeliveryFaultsTest.smtpHealth(mailer).getState()).isEqualTo(HealthCheck.State.UP);
        }
    }

    @Test
    void noSecretOrTokenReachesTheLogReceiptsErrorFilesHealthOrMetrics() throws Exception {
        int management = ScriptedSmtpServer.freePort();
        Map<String, String> settings = settings();
        settings.put("camel.management.port", String.valueOf(management));
        Files.writeString(refreshTokenFile, endpoint.issueRefreshToken());
        StringWriter log = capture();
        StringBuilder seen = new StringBuilder();
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            mailer.drop("ok.json", draft("ok"));
            mailer.awaitReceipt("ok.json");
            mailer.drop("bad.json", "{\"to\": \"not an address\"}");
            mailer.awaitError("bad.json");
            // then the sign-in is revoked and the secret is wrong: refusals are logged and reported
            endpoint.revoke(Files.readString(refreshTokenFile).strip());
            endpoint.revoke(smtp.acceptedTokens().get(0));
            smtp.restart(); // a new connection: the cached token is refused, and refreshing it is too
            mailer.drop("held.json", draft("held"));
            await().atMost(Duration.ofSeconds(10)).until(() -> DeliveryFaultsTest.smtpHealth(mailer).getState() == HealthCheck.State.DOWN);
            seen.append(RunningMailer.get(management, "/observe/health").getValue());
            seen.append(RunningMailer.get(management, "/observe/metrics").getValue());
            seen.append(DeliveryFaultsTest.smtpHealth(mailer).getMessage().orElse(""));
            try (Stream<Path> files = Files.walk(mailer.outbox)) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(mailer.outbox.resolve("held.json"))).toList()) {
                    seen.append(Files.readString(f));
                }
            }
        } finally {
            release();
        }
        seen.append(log);
        assertThat(seen.toString()).contains("invalid_grant").contains("SENT");
        for (String secret : endpoint.everIssued()) {
            assertThat(seen.toString()).doesNotContain(secret);
        }
        assertThat(seen.toString()).doesNotContain(CLIENT_SECRET);
    }

    @Test
    void aGoogleServiceAccountSignsItsOwnAssertionActingAsTheMailbox() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair pair = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path key = dir.resolve("service-account.json");
        Files.writeString(key, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Map.of(
                "type", "service_account", "client_email", "mailer@project.iam.gserviceaccount.com",
                "private_key_id", "key-1", "private_key", pem, "token_uri", endpoint.tokenUrl())));
        var verifier = new com.nimbusds.jose.crypto.RSASSAVerifier((java.security.interfaces.RSAPublicKey) pair.getPublic());
        endpoint.assertions(assertion -> {
            try {
                var jwt = com.nimbusds.jwt.SignedJWT.parse(assertion);
                var claims = jwt.getJWTClaimsSet();
                return jwt.verify(verifier) && claims.getIssuer().equals("mailer@project.iam.gserviceaccount.com")
                        && claims.getSubject().equals(MAILBOX) && claims.getAudience().contains(endpoint.tokenUrl())
                        && "https://mail.google.com/".equals(claims.getStringClaim("scope"))
                        && claims.getExpirationTime().after(new java.util.Date());
            } catch (Exception e) {
                return false;
            }
        });
        Map<String, String> settings = settings();
        for (String k : new String[] {"smtp.oauth2.token-url", "smtp.oauth2.client-id", "smtp.oauth2.client-secret",
                "smtp.oauth2.refresh-token-file"}) {
            settings.remove(k);
        }
        settings.put("smtp.oauth2.service-account-file", key.toString());
        settings.put("smtp.oauth2.scope", "https://mail.google.com/");
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            mailer.drop("delegated.json", draft("delegated"));
            assertThat(mailer.awaitReceipt("delegated.json").get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(endpoint.requests().get(0)).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
                .doesNotContainKey("client_secret");
        assertThat(smtp.received()).hasSize(1);
    }

    @Test
    void aTokenUrlThatIsNotHttpsAndAMissingRefreshTokenFileAreOneLineConfigurationErrors() {
        Map<String, String> plainHttp = settings();
        plainHttp.put("smtp.oauth2.token-url", "http://login.example.com/token");
        assertThatThrownBy(() -> RunningMailer.start(dir, plainHttp)).satisfies(e -> assertThat(configError(e))
                .isEqualTo("smtp.oauth2.token-url: 'http://login.example.com/token' is not https: tokens and secrets only "
                        + "travel encrypted (plain http is allowed on a loopback address only)"));

        Map<String, String> noFile = settings(); // the file was never written
        assertThatThrownBy(() -> RunningMailer.start(dir.resolve("again"), noFile)).satisfies(e -> assertThat(configError(e))
                .isEqualTo("smtp.oauth2.refresh-token-file: cannot read " + refreshTokenFile.toAbsolutePath()
                        + ": run `java -jar outbox-mailer.jar login` first to sign in and create it"));
    }

    static String configError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) {
                assertThat(c.getMessage()).doesNotContain("\n");
                return c.getMessage();
            }
        }
        throw new AssertionError("not a configuration error", e);
    }

    private WriterAppender appender;

    /** Everything logged from now on, as an operator's console shows it. */
    private StringWriter capture() {
        StringWriter out = new StringWriter();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        appender = WriterAppender.newBuilder().setName("xoauth2-test").setTarget(out)
                .setLayout(PatternLayout.newBuilder().withPattern("%-5level %c{1} - %msg%n%throwable").build()).build();
        appender.start();
        context.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        context.updateLoggers();
        return out;
    }

    private void release() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender("xoauth2-test");
        context.updateLoggers();
        appender.stop();
    }
}
