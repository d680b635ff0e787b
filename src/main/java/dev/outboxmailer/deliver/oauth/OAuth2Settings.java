package dev.outboxmailer.deliver.oauth;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.Provider;
import dev.outboxmailer.config.Values;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code smtp.oauth2.*} keys of SPEC §10, checked: where a login with {@code smtp.auth=xoauth2} gets its
 * tokens. A {@code smtp.provider} preset ({@code outlook}, {@code gmail}) fills in the token URL, the device
 * URL (for {@code login}) and the scope. Secrets are never part of {@link #toString()}.
 *
 * @param deviceUrl            the device authorization endpoint (RFC 8628) for {@code login}; null if unknown
 * @param authorizeUrl         the authorization endpoint for a browser sign-in with {@code login}; null if unknown
 * @param clientSecret         null for a public client (a device-code login needs none)
 * @param clientSecretFile     where the secret was read from (read again at every refresh), or null
 * @param refreshTokenFile     for {@link Grant#REFRESH_TOKEN}: holds the refresh token; null otherwise
 * @param serviceAccountFile   for {@link Grant#SERVICE_ACCOUNT}: a Google service account's JSON key
 */
public record OAuth2Settings(
        Grant grant,
        URI tokenUrl,
        URI deviceUrl,
        URI authorizeUrl,
        String clientId,
        String clientSecret,
        Path clientSecretFile,
        ClientAuth clientAuth,
        String scope,
        Path refreshTokenFile,
        Path serviceAccountFile,
        String username,
        Duration timeout) {

    /** {@code smtp.oauth2.grant}. */
    public enum Grant {
        /** A person's consent, once, with {@code login}: the refresh token lives in a file. */
        REFRESH_TOKEN,
        /** An application's own token (Microsoft 365: {@code SMTP.SendAsApp}). */
        CLIENT_CREDENTIALS,
        /** A Google service account with domain-wide delegation, acting as {@code smtp.username} (RFC 7523). */
        SERVICE_ACCOUNT
    }

    /** {@code smtp.oauth2.client-auth}: how the client secret goes to the token endpoint. */
    public enum ClientAuth {
        /** {@code client_id} and {@code client_secret} as form fields (client_secret_post). */
        POST,
        /** HTTP Basic (client_secret_basic). */
        BASIC
    }

    /** True when {@code smtp.auth=xoauth2}; {@code password} (the default) is false, anything else an error. */
    public static boolean wanted(Function<String, Optional<String>> lookup) {
        String auth = get(lookup, "smtp.auth").orElse("password").toLowerCase(Locale.ROOT);
        return switch (auth) {
            case "password" -> false;
            case "xoauth2" -> true;
            default -> throw new ConfigException("smtp.auth", "'" + auth + "' is not one of password, xoauth2");
        };
    }

    /**
     * Reads the keys for a running mailer: the refresh-token file must exist already. Empty when
     * {@code smtp.auth} is not {@code xoauth2}.
     */
    public static Optional<OAuth2Settings> read(Function<String, Optional<String>> lookup) {
        if (!wanted(lookup)) {
            return Optional.empty();
        }
        return Optional.of(read(lookup, true));
    }

    /**
     * Reads the keys; {@code needTokenFile} is false for {@code login}, which writes that file.
     */
    public static OAuth2Settings read(Function<String, Optional<String>> lookup, boolean needTokenFile) {
        Provider provider = get(lookup, "smtp.provider").map(v -> Provider.of("smtp.provider", v)).orElse(null);
        String host = get(lookup, "smtp.host").orElse(provider != null ? provider.host() : "");
        Optional<Path> serviceAccount = get(lookup, "smtp.oauth2.service-account-file").map(Path::of);
        Grant grant = get(lookup, "smtp.oauth2.grant").map(OAuth2Settings::grant)
                .orElse(serviceAccount.isPresent() ? Grant.SERVICE_ACCOUNT : Grant.REFRESH_TOKEN);
        String username = get(lookup, "smtp.username").orElse(null);
        if (username == null && needTokenFile) { // login needs no mailbox: the person picks the account
            throw new ConfigException("smtp.username", "smtp.auth=xoauth2 needs the mailbox to send as (its address) in smtp.username");
        }
        OAuth2Presets.Preset preset = OAuth2Presets.of(provider, host, grant, get(lookup, "smtp.oauth2.tenant"));

        URI tokenUrl = get(lookup, "smtp.oauth2.token-url").or(() -> Optional.ofNullable(preset.tokenUrl()))
                .map(v -> endpoint("smtp.oauth2.token-url", v))
                .orElse(null);
        URI deviceUrl = get(lookup, "smtp.oauth2.device-url").or(() -> Optional.ofNullable(preset.deviceUrl()))
                .map(v -> endpoint("smtp.oauth2.device-url", v)).orElse(null);
        URI authorizeUrl = get(lookup, "smtp.oauth2.authorize-url").or(() -> Optional.ofNullable(preset.authorizeUrl()))
                .map(v -> endpoint("smtp.oauth2.authorize-url", v)).orElse(null);
        String scope = get(lookup, "smtp.oauth2.scope").orElse(preset.scope());
        Path secretFile = get(lookup, "smtp.oauth2.client-secret-file").map(Path::of).orElse(null);
        String secret = secretFile != null ? dev.outboxmailer.config.Values.secretFile("smtp.oauth2.client-secret-file", secretFile)
                : get(lookup, "smtp.oauth2.client-secret").orElse(null);
        ClientAuth clientAuth = get(lookup, "smtp.oauth2.client-auth").map(OAuth2Settings::clientAuth).orElse(ClientAuth.POST);
        Duration timeout = get(lookup, "smtp.oauth2.timeout").map(v -> Values.duration("smtp.oauth2.timeout", v))
                .orElse(Duration.ofSeconds(30));
        Optional<String> clientId = get(lookup, "smtp.oauth2.client-id");
        Path refreshTokenFile = null;
        Path serviceAccountFile = null;
        switch (grant) {
            case REFRESH_TOKEN -> {
                refreshTokenFile = get(lookup, "smtp.oauth2.refresh-token-file").map(Path::of)
                        .orElseThrow(() -> new ConfigException("smtp.oauth2.refresh-token-file", needTokenFile
                                ? "smtp.oauth2.grant=refresh_token needs the file that keeps the refresh token "
                                        + "(`java -jar outbox-mailer.jar login` writes it)"
                                : "login needs the file to write the refresh token to"));
                if (needTokenFile && !Files.isReadable(refreshTokenFile)) {
                    throw new ConfigException("smtp.oauth2.refresh-token-file", "cannot read "
                            + refreshTokenFile.toAbsolutePath() + ": run `java -jar outbox-mailer.jar login` first to sign in and create it");
                }
                requireClientId(clientId);
            }
            case CLIENT_CREDENTIALS -> {
                requireClientId(clientId);
                if (secret == null) {
                    throw new ConfigException("smtp.oauth2.client-secret", "smtp.oauth2.grant=client_credentials needs "
                            + "the application's secret: set smtp.oauth2.client-secret or smtp.oauth2.client-secret-file");
                }
                if (scope == null) {
                    throw new ConfigException("smtp.oauth2.scope", "smtp.oauth2.grant=client_credentials needs a scope "
                            + "(Microsoft 365: https://outlook.office365.com/.default)");
                }
            }
            case SERVICE_ACCOUNT -> {
                serviceAccountFile = serviceAccount.orElseThrow(() -> new ConfigException("smtp.oauth2.service-account-file",
                        "smtp.oauth2.grant=service_account needs the service account's JSON key file"));
                if (!Files.isReadable(serviceAccountFile)) {
                    throw new ConfigException("smtp.oauth2.service-account-file", "cannot read " + serviceAccountFile.toAbsolutePath());
                }
                if (scope == null) {
                    throw new ConfigException("smtp.oauth2.scope", "a service account needs a scope (Gmail: https://mail.google.com/)");
                }
                if (tokenUrl == null) {
                    tokenUrl = ServiceAccountKey.read(serviceAccountFile).tokenUri();
                }
            }
        }
        if (tokenUrl == null) {
            throw new ConfigException("smtp.oauth2.token-url", "smtp.auth=xoauth2 needs the token endpoint: set "
                    + "smtp.oauth2.token-url, or smtp.provider=outlook or gmail");
        }
        return new OAuth2Settings(grant, tokenUrl, deviceUrl, authorizeUrl, clientId.orElse(null), secret, secretFile, clientAuth,
                scope, refreshTokenFile, serviceAccountFile, username, timeout);
    }

    private static void requireClientId(Optional<String> clientId) {
        if (clientId.isEmpty()) {
            throw new ConfigException("smtp.oauth2.client-id", "smtp.auth=xoauth2 needs the registered application's "
                    + "client id (see the README, Sending for real)");
        }
    }

    private static Grant grant(String text) {
        try {
            return Grant.valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("smtp.oauth2.grant", "'" + text + "' is not one of refresh_token, client_credentials, service_account");
        }
    }

    private static ClientAuth clientAuth(String text) {
        try {
            return ClientAuth.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("smtp.oauth2.client-auth", "'" + text + "' is not one of post, basic");
        }
    }

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[[0-9a-fA-F:.]+]");

    /** An endpoint URL: https, or http on a loopback address only (tests, a local proxy). */
    static URI endpoint(String key, String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(key, "'" + text + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new ConfigException(key, "'" + text + "' is not an https URL");
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) {
            throw new ConfigException(key, "'" + text + "' is not https: tokens and secrets only travel encrypted "
                    + "(plain http is allowed on a loopback address only)");
        }
        return uri;
    }

    private static boolean loopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!IP_LITERAL.matcher(host).matches()) {
            return false; // a name: no DNS look-up decides what may go unencrypted
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Optional<String> get(Function<String, Optional<String>> lookup, String key) {
        return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** The token endpoint's host and path, for log lines and reasons: no query, nothing secret. */
    public String describeEndpoint() {
        return tokenUrl.getScheme() + "://" + tokenUrl.getAuthority() + (tokenUrl.getPath() == null ? "" : tokenUrl.getPath());
    }

    @Override
    public String toString() {
        return "OAuth2[" + grant.name().toLowerCase(Locale.ROOT) + " at " + describeEndpoint() + " for " + username
                + (clientId != null ? ", client " + clientId : "") + (clientSecret != null ? ", secret ****" : "") + "]";
    }
}
