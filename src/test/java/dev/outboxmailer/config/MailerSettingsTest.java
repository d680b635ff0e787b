package dev.outboxmailer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.deliver.RateLimit;
import dev.outboxmailer.deliver.Security;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** smtp.provider presets (explicit keys win) and the one-line errors of values that cannot work. */
class MailerSettingsTest {
    @TempDir
    Path dir;

    static MailerSettings read(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return MailerSettings.read(key -> Optional.ofNullable(map.get(key)));
    }

    @Test
    void eachPresetGivesHostPortSecurityAndARateLimit() {
        record Expected(String provider, String host, int port, Security security, RateLimit rate) {}
        for (Expected e : new Expected[] {
                new Expected("qq", "smtp.qq.com", 465, Security.SSL, new RateLimit(300, Duration.ofDays(1))),
                new Expected("163", "smtp.163.com", 465, Security.SSL, new RateLimit(300, Duration.ofDays(1))),
                new Expected("gmail", "smtp.gmail.com", 465, Security.SSL, new RateLimit(500, Duration.ofDays(1))),
                new Expected("outlook", "smtp.office365.com", 587, Security.STARTTLS, new RateLimit(30, Duration.ofMinutes(1)))}) {
            MailerSettings s = read("smtp.provider", e.provider().toUpperCase(), "smtp.username", "me@example.com",
                    "smtp.password", "secret");
            assertThat(s.sandbox()).isFalse();
            assertThat(s.smtp().host()).isEqualTo(e.host());
            assertThat(s.smtp().port()).isEqualTo(e.port());
            assertThat(s.smtp().security()).isEqualTo(e.security());
            assertThat(s.rateLimit()).isEqualTo(e.rate());
        }
    }

    @Test
    void explicitKeysWinOverThePreset() {
        MailerSettings s = read("smtp.provider", "outlook", "smtp.host", "smtp-mail.outlook.com", "smtp.port", "2525",
                "smtp.rate-limit", "10/m");
        assertThat(s.smtp().host()).isEqualTo("smtp-mail.outlook.com");
        assertThat(s.smtp().port()).isEqualTo(2525);
        assertThat(s.smtp().security()).isEqualTo(Security.STARTTLS);
        assertThat(s.rateLimit()).isEqualTo(new RateLimit(10, Duration.ofMinutes(1)));

        MailerSettings ssl = read("smtp.provider", "outlook", "smtp.security", "ssl");
        assertThat(ssl.smtp().security()).isEqualTo(Security.SSL);
        assertThat(ssl.smtp().port()).as("an explicit security takes its own port").isEqualTo(465);
    }

    @Test
    void noProviderNoHostIsTheSandboxWithoutALimit() {
        MailerSettings s = read();
        assertThat(s.sandbox()).isTrue();
        assertThat(s.rateLimit()).isNull();
    }

    @Test
    void anUnknownProviderNamesTheKnownOnes() {
        assertThatThrownBy(() -> read("smtp.provider", "yahoo"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("smtp.provider: 'yahoo' is not a known provider (known: qq, 163, gmail, outlook); "
                        + "or leave it unset and give smtp.host, smtp.port and smtp.security");
    }

    @Test
    void valuesThatCannotWorkAreOneLineNamingTheKey() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("a-folder"));
        assertThatThrownBy(() -> read("smtp.host", "mail.example.com", "smtp.security", "tls"))
                .hasMessage("smtp.security: 'tls' is not one of ssl, starttls, plain");
        assertThatThrownBy(() -> read("smtp.host", "mail.example.com", "smtp.port", "abc"))
                .hasMessage("smtp.port: 'abc' is not a positive whole number");
        assertThatThrownBy(() -> read("smtp.host", "mail.example.com", "smtp.port", "70000"))
                .hasMessage("smtp.port: '70000' is not a TCP port (1-65535)");
        assertThatThrownBy(() -> read("smtp.host", "mail.example.com", "smtp.trust-store", dir.resolve("nope.pem").toString()))
                .hasMessage("smtp.trust-store: cannot read " + dir.resolve("nope.pem"));
        assertThatThrownBy(() -> read("smtp.host", "mail.example.com", "smtp.username", "me",
                "smtp.password-file", dir.resolve("missing").toString()))
                .hasMessage("smtp.password-file: cannot read " + dir.resolve("missing"));
        assertThatThrownBy(() -> read("smtp.host", "mail.example.com", "smtp.username", "me",
                "smtp.password-file", folder.toString()))
                .hasMessage("smtp.password-file: cannot read " + folder);
        assertThatThrownBy(() -> read("camel.management.port", "http"))
                .hasMessage("camel.management.port: 'http' is not a positive whole number");
        assertThat(read("camel.management.port", "0").sandbox()).isTrue();
        assertThatThrownBy(() -> read("smtp.rate-limit", "fast"))
                .hasMessage("smtp.rate-limit: 'fast' is not a rate (write it like 10/s, 30/m, 100/h or 500/d)");
    }

    @Test
    void draftsInFlightAreFourPerConnectionUnlessSet() {
        assertThat(read().inFlight()).isEqualTo(16);
        assertThat(read("smtp.connections", "2").inFlight()).isEqualTo(8);
        assertThat(read("smtp.connections", "2", "outbox.in-flight", "3").inFlight()).isEqualTo(3);
        assertThatThrownBy(() -> read("outbox.in-flight", "0"))
                .hasMessage("outbox.in-flight: '0' is not a positive whole number");
    }
}
