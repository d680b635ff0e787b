package dev.outboxmailer.deliver.oauth;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationRequest;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationResponse;
import com.nimbusds.oauth2.sdk.device.DeviceAuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.device.DeviceCodeGrant;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code java -jar outbox-mailer.jar login}: the device-code flow (RFC 8628) by which a person consents once.
 * It prints where to go and the code to enter, polls the token endpoint at the interval the server asks for
 * (slower after {@code slow_down}), and writes the refresh token to {@code smtp.oauth2.refresh-token-file}.
 * Where the provider has no device flow for mail (Google), or with {@code smtp.oauth2.login-flow=browser}, it
 * runs the {@link BrowserLogin} instead. Tokens are never printed.
 */
public final class DeviceLogin {
    /** Exit codes: signed in; the sign-in did not happen (the message says why). Configuration errors are 2. */
    public static final int SIGNED_IN = 0;
    public static final int NOT_SIGNED_IN = 1;

    private DeviceLogin() {}

    /** Runs the flow with the configuration that {@code lookup} answers; a {@link ConfigException} for bad keys. */
    public static int run(Function<String, Optional<String>> lookup, PrintStream out) throws InterruptedException {
        OAuth2Settings s = OAuth2Settings.read(lookup, false);
        if (s.grant() != OAuth2Settings.Grant.REFRESH_TOKEN) {
            throw new ConfigException("smtp.oauth2.grant", "login signs a person in for the refresh_token grant; "
                    + s.grant().name().toLowerCase(java.util.Locale.ROOT) + " needs no login");
        }
        String flow = lookup.apply("smtp.oauth2.login-flow").map(String::trim).filter(v -> !v.isEmpty())
                .orElse(s.deviceUrl() != null ? "device" : "browser");
        if (!flow.equals("device") && !flow.equals("browser")) {
            throw new ConfigException("smtp.oauth2.login-flow", "'" + flow + "' is not one of device, browser");
        }
        if (flow.equals("device") && s.deviceUrl() == null) {
            throw new ConfigException("smtp.oauth2.device-url", "login needs the device authorization endpoint: set "
                    + "smtp.oauth2.device-url, or smtp.provider=outlook");
        }
        if (flow.equals("browser") && s.authorizeUrl() == null) {
            throw new ConfigException("smtp.oauth2.authorize-url", "login needs the authorization endpoint (or, for the "
                    + "device-code flow, smtp.oauth2.device-url): set one, or smtp.provider=outlook or gmail");
        }
        if (s.scope() == null) {
            throw new ConfigException("smtp.oauth2.scope", "login needs the scope to ask for (e.g. "
                    + OAuth2Presets.OUTLOOK_SCOPE + ")");
        }
        RefreshTokenFile file = new RefreshTokenFile(s.refreshTokenFile());
        if (flow.equals("browser")) {
            return BrowserLogin.run(s, file, out);
        }

        DeviceAuthorizationSuccessResponse device;
        try {
            device = authorize(s);
        } catch (OAuth2Failure e) {
            out.println("outbox-mailer login: " + e.getMessage());
            return NOT_SIGNED_IN;
        }
        out.println("To sign in" + (s.username() != null ? " as " + s.username() : "") + ", open "
                + device.getVerificationURI() + " in a browser and enter the code " + device.getUserCode().getValue());
        if (device.getVerificationURIComplete() != null) {
            out.println("(or open " + device.getVerificationURIComplete() + ")");
        }
        long lifetime = device.getLifetime() > 0 ? device.getLifetime() : 900;
        out.println("Waiting for the sign-in (the code is good for " + Duration.ofSeconds(lifetime).toMinutes() + " minutes) ...");
        out.flush();
        Instant deadline = Instant.now().plusSeconds(lifetime);
        long interval = device.getInterval() > 0 ? device.getInterval() : 5;
        DeviceCodeGrant grant = new DeviceCodeGrant(device.getDeviceCode());
        while (true) {
            Thread.sleep(Duration.ofSeconds(interval).toMillis());
            if (Instant.now().isAfter(deadline)) {
                out.println("outbox-mailer login: the code expired before the sign-in finished: run login again");
                return NOT_SIGNED_IN;
            }
            TokenResponse response;
            try {
                response = OAuth2Tokens.send(s, grant, null);
            } catch (OAuth2Failure passing) {
                out.println("outbox-mailer login: " + passing.getMessage() + "; trying again");
                continue;
            }
            if (response.indicatesSuccess()) {
                return keep(response.toSuccessResponse().getTokens().getRefreshToken(), file, out);
            }
            ErrorObject error = response.toErrorResponse().getErrorObject();
            String code = error.getCode() == null ? "" : error.getCode();
            switch (code) {
                case "authorization_pending" -> {
                    // the person has not finished yet
                }
                case "slow_down" -> interval += 5; // RFC 8628 §3.5
                case "expired_token" -> {
                    out.println("outbox-mailer login: the code expired before the sign-in finished: run login again");
                    return NOT_SIGNED_IN;
                }
                case "access_denied", "authorization_declined" -> { // the latter: Microsoft's word for it
                    out.println("outbox-mailer login: the sign-in was declined (" + code + "); nothing was written. "
                            + "Run login again to retry, or ask the administrator to allow the application");
                    return NOT_SIGNED_IN;
                }
                default -> {
                    out.println("outbox-mailer login: " + OAuth2Tokens.refusal(s, error, "device_code").getMessage());
                    return NOT_SIGNED_IN;
                }
            }
        }
    }

    /** Writes the refresh token of a finished sign-in; says what happened. */
    static int keep(RefreshToken refresh, RefreshTokenFile file, PrintStream out) {
        if (refresh == null) {
            out.println("outbox-mailer login: signed in, but the token endpoint gave no refresh token: "
                    + "add offline_access to smtp.oauth2.scope (Microsoft) and run login again");
            return NOT_SIGNED_IN;
        }
        try {
            file.write(refresh.getValue());
        } catch (IOException e) {
            out.println("outbox-mailer login: signed in, but " + file.path() + " could not be written: " + e.getMessage());
            return NOT_SIGNED_IN;
        }
        out.println("Signed in. The refresh token is in " + file.path() + " (readable by you only); start "
                + "outbox-mailer with --smtp.auth=xoauth2 and the same smtp.oauth2.* settings.");
        return SIGNED_IN;
    }

    private static DeviceAuthorizationSuccessResponse authorize(OAuth2Settings s) throws OAuth2Failure {
        ClientAuthentication auth = OAuth2Tokens.clientAuthentication(s);
        Scope scope = Scope.parse(s.scope());
        DeviceAuthorizationRequest request = auth != null
                ? new DeviceAuthorizationRequest(s.deviceUrl(), auth, scope, Map.of())
                : new DeviceAuthorizationRequest(s.deviceUrl(), new ClientID(s.clientId()), scope);
        HTTPRequest http = request.toHTTPRequest();
        http.setConnectTimeout((int) s.timeout().toMillis());
        http.setReadTimeout((int) s.timeout().toMillis());
        String where = s.deviceUrl().getScheme() + "://" + s.deviceUrl().getAuthority() + s.deviceUrl().getPath();
        HTTPResponse answer;
        try {
            answer = http.send();
        } catch (IOException e) {
            throw OAuth2Failure.transientFailure("the device authorization endpoint " + where + " could not be reached ("
                    + OAuth2Tokens.oneLine(e.getMessage()) + ")", e);
        }
        try {
            DeviceAuthorizationResponse response = DeviceAuthorizationResponse.parse(answer);
            if (!response.indicatesSuccess()) {
                ErrorObject error = response.toErrorResponse().getErrorObject();
                throw OAuth2Failure.operator("the device authorization endpoint " + where + " refused (" + error.getCode()
                        + (error.getDescription() != null ? ": " + OAuth2Tokens.oneLine(error.getDescription()) : "")
                        + "): check smtp.oauth2.client-id, smtp.oauth2.scope, and that the application allows public client flows");
            }
            return response.toSuccessResponse();
        } catch (ParseException e) {
            throw OAuth2Failure.transientFailure("the device authorization endpoint " + where + " answered HTTP "
                    + answer.getStatusCode() + ", not a device code", e);
        }
    }
}
