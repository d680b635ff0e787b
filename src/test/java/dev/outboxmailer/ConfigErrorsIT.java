package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar started with a setting that cannot work: it stops at once with exit code 2 and one line
 * naming the key, and no stack trace.
 */
class ConfigErrorsIT {
    @TempDir
    Path dir;

    static List<List<String>> cases() {
        return List.of(
                List.of("--smtp.host=mail.example.com --smtp.security=tls",
                        "outbox-mailer: configuration error: smtp.security: 'tls' is not one of ssl, starttls, plain"),
                List.of("--smtp.host=mail.example.com --smtp.trust-store=no-such-ca.pem",
                        "outbox-mailer: configuration error: smtp.trust-store: cannot read "),
                List.of("--smtp.host=mail.example.com --smtp.username=me@example.com --smtp.password-file=no-such-secret",
                        "outbox-mailer: configuration error: smtp.password-file: cannot read "),
                List.of("--smtp.host=mail.example.com --smtp.port=465s",
                        "outbox-mailer: configuration error: smtp.port: '465s' is not a positive whole number"),
                List.of("--smtp.provider=hotmail",
                        "outbox-mailer: configuration error: smtp.provider: 'hotmail' is not a known provider (known: qq, 163, gmail, outlook)"),
                List.of("--camel.management.port=http",
                        "outbox-mailer: configuration error: camel.management.port: 'http' is not a"),
                List.of("--smtp.host=mail.example.com --smtp.auth=xoauth2 --smtp.username=me@example.com "
                                + "--smtp.oauth2.client-id=app --smtp.oauth2.refresh-token-file=token "
                                + "--smtp.oauth2.token-url=http://login.example.com/token",
                        "outbox-mailer: configuration error: smtp.oauth2.token-url: 'http://login.example.com/token' is not https"),
                List.of("--smtp.provider=outlook --smtp.auth=xoauth2 --smtp.username=me@example.com "
                                + "--smtp.oauth2.client-id=app --smtp.oauth2.refresh-token-file=no-such-token",
                        "outbox-mailer: configuration error: smtp.oauth2.refresh-token-file: cannot read "),
                List.of("--smtp.host=mail.example.com --smtp.auth=oauth",
                        "outbox-mailer: configuration error: smtp.auth: 'oauth' is not one of password, xoauth2"),
                List.of("login --smtp.oauth2.client-id=app --smtp.oauth2.refresh-token-file=token",
                        "outbox-mailer: configuration error: smtp.oauth2.token-url: smtp.auth=xoauth2 needs the token endpoint"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aSettingThatCannotWorkStopsTheStartWithOneLine(List<String> c) throws Exception {
        exitsWith(List.of(c.get(0).split(" ")), c.get(1));
    }

    @Test
    void aManagementPortInUseIsNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            exitsWith(List.of("--camel.management.port=" + taken.getLocalPort()),
                    "outbox-mailer: configuration error: camel.management.port: " + taken.getLocalPort());
        }
    }

    private void exitsWith(List<String> args, String line) throws Exception {
        Process app = PackagedJarIT.start(dir, args, Map.of(), "app.log");
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(dir.resolve("app.log"));
        assertThat(app.exitValue()).as(log).isEqualTo(2);
        assertThat(log).contains(line);
        assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");
    }
}
