package dev.outboxmailer.deliver.oauth;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.Provider;
import java.util.Optional;

/**
 * What {@code smtp.provider=outlook} and {@code gmail} know about OAuth2: the token and device endpoints and
 * the scope. QQ and 163 offer no OAuth2 for mail clients (they keep authorization codes): nothing here.
 */
final class OAuth2Presets {
    /** Each part null where the preset does not know it. */
    record Preset(String tokenUrl, String deviceUrl, String authorizeUrl, String scope) {}

    static final String MICROSOFT = "https://login.microsoftonline.com/";
    static final String OUTLOOK_SCOPE = "https://outlook.office.com/SMTP.Send offline_access";
    static final String OUTLOOK_APP_SCOPE = "https://outlook.office365.com/.default";
    static final String GMAIL_SCOPE = "https://mail.google.com/";

    private OAuth2Presets() {}

    static Preset of(Provider provider, String host, OAuth2Settings.Grant grant, Optional<String> tenant) {
        if (provider == Provider.OUTLOOK) {
            String t = tenant.orElseGet(() -> {
                if (grant == OAuth2Settings.Grant.CLIENT_CREDENTIALS) {
                    throw new ConfigException("smtp.oauth2.tenant", "smtp.oauth2.grant=client_credentials with "
                            + "smtp.provider=outlook needs your Microsoft 365 tenant (its id, or a domain such as contoso.onmicrosoft.com)");
                }
                // personal Outlook.com / Hotmail accounts send through smtp-mail.outlook.com
                return host.equalsIgnoreCase("smtp-mail.outlook.com") ? "consumers" : "common";
            });
            if (!t.matches("[A-Za-z0-9.-]+")) {
                throw new ConfigException("smtp.oauth2.tenant", "'" + t + "' is not a tenant id or domain");
            }
            String base = MICROSOFT + t + "/oauth2/v2.0/";
            return new Preset(base + "token", base + "devicecode", base + "authorize",
                    grant == OAuth2Settings.Grant.CLIENT_CREDENTIALS ? OUTLOOK_APP_SCOPE : OUTLOOK_SCOPE);
        }
        if (provider == Provider.GMAIL) {
            // Google's device flow does not allow the Gmail scope: `login` opens a browser sign-in instead
            return new Preset("https://oauth2.googleapis.com/token", null, "https://accounts.google.com/o/oauth2/v2/auth",
                    GMAIL_SCOPE);
        }
        return new Preset(null, null, null, null);
    }
}
