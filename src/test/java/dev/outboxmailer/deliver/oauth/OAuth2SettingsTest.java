package dev.outboxmailer.deliver.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.MailerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smtp.oauth2.* keys: what the outlook and gmail presets fill in, and the one-line errors. */
class OAuth2SettingsTest {
    @TempDir
    Path dir;
    Path tokenFile;

    @BeforeEach
    void file() throws Exception {
        tokenFile = Files.writeString(dir.resolve("token"), "rt-1");
    }

    Map<String, String> keys(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        map.put("smtp.auth", "xoauth2");
        map.put("smtp.username", "me@contoso.com");
        map.put("smtp.oauth2.client-id", "app");
        map.put("smtp.oauth2.refresh-token-file", tokenFile.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    static OAuth2Settings read(Map<String, String> keys) {
        return OAuth2Settings.read(key -> Optional.ofNullable(keys.get(key))).orElseThrow();
    }

    @Test
    void outlookKnowsItsEndpointsAndScopeForWorkAndPersonalAccounts() {
        OAuth2Settings work = read(keys("smtp.provider", "outlook"));
        assertThat(work.tokenUrl()).hasToString("https://login.microsoftonline.com/common/oauth2/v2.0/token");
        assertThat(work.deviceUrl()).hasToString("https://login.microsoftonline.com/common/oauth2/v2.0/devicecode");
        assertThat(work.scope()).isEqualTo("https://outlook.office.com/SMTP.Send offline_access");

        OAuth2Settings personal = read(keys("smtp.provider", "outlook", "smtp.host", "smtp-mail.outlook.com"));
        assertThat(personal.tokenUrl()).hasToString("https://login.microsoftonline.com/consumers/oauth2/v2.0/token");

        OAuth2Settings tenant = read(keys("smtp.provider", "outlook", "smtp.oauth2.tenant", "contoso.onmicrosoft.com"));
        assertThat(tenant.tokenUrl()).hasToString("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");

        OAuth2Settings app = read(keys("smtp.provider", "outlook", "smtp.oauth2.grant", "client_credentials",
                "smtp.oauth2.tenant", "contoso.onmicrosoft.com", "smtp.oauth2.client-secret", "shh"));
        assertThat(app.scope()).isEqualTo("https://outlook.office365.com/.default");
        assertThat(app.toString()).doesNotContain("shh").contains("****");
    }

    @Test
    void gmailKnowsItsEndpointAndScope() {
        OAuth2Settings gmail = read(keys("smtp.provider", "gmail"));
        assertThat(gmail.tokenUrl()).hasToString("https://oauth2.googleapis.com/token");
        assertThat(gmail.scope()).isEqualTo("https://mail.google.com/");
    }

    @Test
    void settingsThatCannotWorkAreOneLineErrorsNamingTheKey() {
        assertThatThrownBy(() -> read(keys("smtp.provider", "outlook", "smtp.oauth2.grant", "client_credentials",
                "smtp.oauth2.client-secret", "shh")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("smtp.oauth2.tenant: smtp.oauth2.grant=client_credentials");
        assertThatThrownBy(() -> read(keys("smtp.oauth2.token-url", "http://10.0.0.5/token")))
                .hasMessageStartingWith("smtp.oauth2.token-url: 'http://10.0.0.5/token' is not https");
        assertThatThrownBy(() -> read(keys("smtp.oauth2.token-url", "http://localhost.example.com/token")))
                .hasMessageStartingWith("smtp.oauth2.token-url: 'http://localhost.example.com/token' is not https");
        assertThat(read(keys("smtp.oauth2.token-url", "http://[::1]:8080/token")).tokenUrl()).hasToString("http://[::1]:8080/token");
        assertThat(read(keys("smtp.oauth2.token-url", "http://localhost:8080/token")).tokenUrl().getPort()).isEqualTo(8080);
        assertThatThrownBy(() -> read(keys("smtp.provider", "qq")))
                .hasMessageStartingWith("smtp.oauth2.token-url: smtp.auth=xoauth2 needs the token endpoint");
        assertThatThrownBy(() -> read(keys("smtp.provider", "outlook", "smtp.oauth2.grant", "password")))
                .hasMessage("smtp.oauth2.grant: 'password' is not one of refresh_token, client_credentials, service_account");
        Map<String, String> noUser = keys("smtp.provider", "outlook");
        noUser.remove("smtp.username");
        assertThatThrownBy(() -> read(noUser)).hasMessageStartingWith("smtp.username: smtp.auth=xoauth2 needs the mailbox");
        Map<String, String> noClient = keys("smtp.provider", "outlook");
        noClient.remove("smtp.oauth2.client-id");
        assertThatThrownBy(() -> read(noClient)).hasMessageStartingWith("smtp.oauth2.client-id:");
    }

    @Test
    void aPasswordIsNotNeededWithXoauth2() {
        Map<String, String> keys = keys("smtp.provider", "outlook");
        MailerSettings settings = MailerSettings.read(key -> Optional.ofNullable(keys.get(key)));
        assertThat(settings.smtp().password()).isNull();
        assertThat(settings.smtp().username()).isEqualTo("me@contoso.com");
        keys.put("smtp.auth", "password");
        assertThatThrownBy(() -> MailerSettings.read(key -> Optional.ofNullable(keys.get(key))))
                .hasMessageStartingWith("smtp.password:");
    }
}
