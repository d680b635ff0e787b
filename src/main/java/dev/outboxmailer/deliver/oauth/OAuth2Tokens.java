package dev.outboxmailer.deliver.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.JWTBearerGrant;
import com.nimbusds.oauth2.sdk.token.AccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TokenSource} of {@code smtp.auth=xoauth2}: asks the token endpoint with the configured grant
 * ({@code refresh_token}, {@code client_credentials}, or a service account's JWT bearer assertion) through the
 * Nimbus OAuth 2.0 SDK, and keeps the access token until five minutes before it expires.
 *
 * <p>A refresh token is read from its file at every refresh, so a new {@code login} takes effect without a
 * restart; a rotated one in the answer (Microsoft rotates on every use) is written back to the file before the
 * access token is handed out, and an answer without one keeps the old.
 */
public final class OAuth2Tokens implements TokenSource {
    /** A cached token is renewed when it expires within this. */
    public static final Duration MARGIN = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(OAuth2Tokens.class);

    private final OAuth2Settings settings;
    private final Clock clock;
    private final RefreshTokenFile refreshTokenFile;
    private final ServiceAccountKey serviceAccount;
    private final ReentrantLock refreshing = new ReentrantLock();
    private volatile Cached current;

    private record Cached(String value, Instant expires) {}

    public OAuth2Tokens(OAuth2Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.refreshTokenFile = settings.refreshTokenFile() == null ? null : new RefreshTokenFile(settings.refreshTokenFile());
        this.serviceAccount = settings.serviceAccountFile() == null ? null : ServiceAccountKey.read(settings.serviceAccountFile());
    }

    /**
     * The token source the configuration asks for ({@code smtp.auth=xoauth2}), or null for a password login
     * (and for the sandbox, which takes no login).
     */
    public static TokenSource configured(java.util.function.Function<String, java.util.Optional<String>> lookup, boolean sandbox) {
        if (sandbox) {
            return null;
        }
        return OAuth2Settings.read(lookup).map(s -> {
            LOG.info("SMTP login: XOAUTH2 with tokens from {}", s);
            return (TokenSource) new OAuth2Tokens(s, Clock.systemUTC());
        }).orElse(null);
    }

    @Override
    public String token() throws OAuth2Failure {
        Cached c = current;
        if (usable(c)) {
            return c.value;
        }
        refreshing.lock(); // one request in flight; whoever waited here takes the token it brought
        try {
            c = current;
            if (usable(c)) {
                return c.value;
            }
            current = fetch();
            return current.value;
        } finally {
            refreshing.unlock();
        }
    }

    @Override
    public void refused(String token) {
        refreshing.lock();
        try {
            Cached c = current;
            if (c != null && c.value.equals(token)) {
                current = null;
            }
        } finally {
            refreshing.unlock();
        }
    }

    private boolean usable(Cached c) {
        return c != null && c.expires.isAfter(clock.instant().plus(MARGIN));
    }

    private Cached fetch() throws OAuth2Failure {
        String oldRefreshToken = null;
        AuthorizationGrant grant;
        switch (settings.grant()) {
            case REFRESH_TOKEN -> {
                oldRefreshToken = readRefreshToken();
                grant = new RefreshTokenGrant(new RefreshToken(oldRefreshToken));
            }
            case CLIENT_CREDENTIALS -> grant = new ClientCredentialsGrant();
            default -> {
                try {
                    grant = new JWTBearerGrant(serviceAccount.assertion(settings.username(), settings.scope(),
                            settings.tokenUrl(), clock.instant()));
                } catch (JOSEException e) {
                    throw OAuth2Failure.operator("the service account's key in " + settings.serviceAccountFile()
                            + " cannot sign: " + e.getMessage());
                }
            }
        }
        Scope scope = settings.scope() == null || settings.grant() == OAuth2Settings.Grant.SERVICE_ACCOUNT
                ? null : Scope.parse(settings.scope());
        AccessTokenResponse ok = request(settings, grant, scope, settings.grant().name().toLowerCase(java.util.Locale.ROOT));
        Tokens tokens = ok.getTokens();
        RefreshToken rotated = tokens.getRefreshToken();
        if (refreshTokenFile != null && rotated != null && !rotated.getValue().equals(oldRefreshToken)) {
            try {
                refreshTokenFile.write(rotated.getValue()); // before the access token is used
                LOG.info("OAuth2: the token endpoint rotated the refresh token; the new one is in {}", refreshTokenFile.path());
            } catch (IOException e) {
                throw OAuth2Failure.operator("the token endpoint rotated the refresh token, but it could not be written to "
                        + refreshTokenFile.path() + " (" + e.getMessage() + "): make the file writable, then run "
                        + "`java -jar outbox-mailer.jar login` again");
            }
        }
        AccessToken access = tokens.getAccessToken();
        long lifetime = access.getLifetime(); // 0: the endpoint did not say; then it is used for one connection only
        LOG.debug("OAuth2: new access token from {}, valid for {} s", settings.describeEndpoint(), lifetime);
        return new Cached(access.getValue(), clock.instant().plusSeconds(lifetime));
    }

    private String readRefreshToken() throws OAuth2Failure {
        try {
            String token = refreshTokenFile.read();
            if (token == null) {
                throw OAuth2Failure.operator("there is no refresh token in " + refreshTokenFile.path()
                        + ": run `java -jar outbox-mailer.jar login` to sign in");
            }
            return token;
        } catch (IOException e) {
            throw OAuth2Failure.operator("cannot read the refresh token in " + refreshTokenFile.path() + ": " + e.getMessage());
        }
    }

    /** The client's authentication as the settings say; null for a public client (its id goes as a form field). */
    static ClientAuthentication clientAuthentication(OAuth2Settings s) {
        String secret = s.clientSecret();
        if (s.clientSecretFile() != null) {
            try {
                secret = dev.outboxmailer.config.Values.secretFile("smtp.oauth2.client-secret-file", s.clientSecretFile()); // a new secret needs no restart
            } catch (ConfigException e) {
                // keep the one read at start
            }
        }
        if (secret == null || s.clientId() == null) {
            return null;
        }
        ClientID id = new ClientID(s.clientId());
        return s.clientAuth() == OAuth2Settings.ClientAuth.BASIC
                ? new ClientSecretBasic(id, new Secret(secret)) : new ClientSecretPost(id, new Secret(secret));
    }

    /**
     * One token request: the access token, or an {@link OAuth2Failure} saying whether it is passing (endpoint
     * unreachable, timed out, {@code 5xx}) or the operator's to fix, with what to do.
     */
    static AccessTokenResponse request(OAuth2Settings s, AuthorizationGrant grant, Scope scope, String grantName)
            throws OAuth2Failure {
        TokenResponse response = send(s, grant, scope);
        if (response.indicatesSuccess()) {
            return response.toSuccessResponse();
        }
        ErrorObject error = response.toErrorResponse().getErrorObject();
        throw refusal(s, error, grantName);
    }

    /** Sends a token request; an answer that is neither a token nor an OAuth2 error is passing. */
    static TokenResponse send(OAuth2Settings s, AuthorizationGrant grant, Scope scope) throws OAuth2Failure {
        ClientAuthentication auth = clientAuthentication(s);
        TokenRequest request = auth != null
                ? new TokenRequest(s.tokenUrl(), auth, grant, scope)
                : s.clientId() != null ? new TokenRequest(s.tokenUrl(), new ClientID(s.clientId()), grant, scope)
                : new TokenRequest(s.tokenUrl(), grant, scope);
        HTTPRequest http = request.toHTTPRequest();
        http.setConnectTimeout((int) s.timeout().toMillis());
        http.setReadTimeout((int) s.timeout().toMillis());
        HTTPResponse answer;
        try {
            answer = http.send();
        } catch (IOException e) {
            throw OAuth2Failure.transientFailure("the OAuth2 token endpoint " + s.describeEndpoint()
                    + " could not be reached (" + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()) + ")", e);
        }
        if (answer.getStatusCode() >= 500) {
            throw OAuth2Failure.transientFailure("the OAuth2 token endpoint " + s.describeEndpoint() + " failed (HTTP "
                    + answer.getStatusCode() + ")", null);
        }
        try {
            return TokenResponse.parse(answer);
        } catch (ParseException e) {
            throw OAuth2Failure.transientFailure("the OAuth2 token endpoint " + s.describeEndpoint() + " answered HTTP "
                    + answer.getStatusCode() + " with no token and no OAuth2 error", e);
        }
    }

    /** What a refusal by the token endpoint means, and what the operator should do about it. */
    static OAuth2Failure refusal(OAuth2Settings s, ErrorObject error, String grantName) {
        String code = error.getCode() == null ? "" : error.getCode();
        String said = "the OAuth2 token endpoint " + s.describeEndpoint() + " refused the " + grantName + " request ("
                + code + description(error) + ")";
        return switch (code) {
            case "invalid_grant" -> OAuth2Failure.operator(said + ": " + switch (s.grant()) {
                case REFRESH_TOKEN -> "the sign-in has expired or was revoked; run `java -jar outbox-mailer.jar login` again";
                case CLIENT_CREDENTIALS -> "check smtp.oauth2.scope and the application's permissions";
                case SERVICE_ACCOUNT -> "check the domain-wide delegation of the service account for the scope, "
                        + "and that smtp.username is a user of the domain";
            });
            case "invalid_client" -> OAuth2Failure.operator(said
                    + ": check smtp.oauth2.client-id and smtp.oauth2.client-secret (and smtp.oauth2.client-auth: post or basic)");
            case "unauthorized_client" -> OAuth2Failure.operator(said
                    + ": the application is not allowed this grant; check its registration (see the README, Sending for real)");
            case "invalid_scope" -> OAuth2Failure.operator(said + ": check smtp.oauth2.scope");
            case "temporarily_unavailable", "server_error" -> OAuth2Failure.transientFailure(said, null);
            default -> OAuth2Failure.operator(said + ": check the smtp.oauth2.* settings");
        };
    }

    /** The endpoint's own words, first line only (Microsoft appends trace ids and a timestamp that change every time). */
    private static String description(ErrorObject error) {
        String d = error.getDescription();
        if (d == null || d.isBlank()) {
            return "";
        }
        d = d.strip().split("[\r\n]")[0];
        for (String volatilePart : new String[] {"Trace ID:", "Correlation ID:", "Timestamp:"}) {
            int at = d.indexOf(volatilePart);
            if (at > 0) {
                d = d.substring(0, at).strip();
            }
        }
        return ": " + (d.length() > 200 ? d.substring(0, 200) + "…" : d);
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
