package dev.outboxmailer.deliver.oauth;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The browser sign-in of {@code login} (an authorization code with PKCE and a loopback redirect, RFC 8252), for
 * providers whose device flow does not allow sending mail (Google): it prints the address to open in a browser
 * on this machine, receives the provider's redirect on {@code 127.0.0.1}, and exchanges the code for tokens.
 */
final class BrowserLogin {
    static final Duration WAIT = Duration.ofMinutes(10);

    private BrowserLogin() {}

    static int run(OAuth2Settings s, RefreshTokenFile file, PrintStream out) throws InterruptedException {
        HttpServer receiver;
        try {
            receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            out.println("outbox-mailer login: cannot listen on 127.0.0.1 for the sign-in's answer: " + e.getMessage());
            return DeviceLogin.NOT_SIGNED_IN;
        }
        URI redirect = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/");
        CompletableFuture<URI> answered = new CompletableFuture<>();
        receiver.createContext("/", exchange -> {
            URI got = redirect.resolve(exchange.getRequestURI());
            byte[] page = "<!doctype html><title>outbox-mailer</title><p>Done: you may close this window and go back to the terminal."
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
            if (got.getRawQuery() != null) {
                answered.complete(got);
            }
        });
        receiver.start();
        try {
            CodeVerifier verifier = new CodeVerifier();
            State state = new State();
            AuthorizationRequest request = new AuthorizationRequest.Builder(new ResponseType(ResponseType.Value.CODE),
                    new ClientID(s.clientId()))
                    .endpointURI(s.authorizeUrl())
                    .redirectionURI(redirect)
                    .scope(Scope.parse(s.scope()))
                    .state(state)
                    .codeChallenge(verifier, CodeChallengeMethod.S256)
                    .customParameter("access_type", "offline") // Google: give a refresh token
                    .customParameter("prompt", "consent")
                    .build();
            out.println("To sign in" + (s.username() != null ? " as " + s.username() : "")
                    + ", open this address in a browser on this machine:");
            out.println(request.toURI());
            out.println("Waiting for the sign-in (up to " + WAIT.toMinutes() + " minutes) ...");
            out.flush();
            URI got;
            try {
                got = answered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                out.println("outbox-mailer login: no sign-in came back in " + WAIT.toMinutes() + " minutes: run login again");
                return DeviceLogin.NOT_SIGNED_IN;
            }
            AuthorizationResponse response;
            try {
                response = AuthorizationResponse.parse(got);
            } catch (ParseException e) {
                out.println("outbox-mailer login: the browser came back without an answer to the sign-in: run login again");
                return DeviceLogin.NOT_SIGNED_IN;
            }
            if (!state.equals(response.getState())) {
                out.println("outbox-mailer login: the answer does not belong to this sign-in (state differs); nothing was written");
                return DeviceLogin.NOT_SIGNED_IN;
            }
            if (!response.indicatesSuccess()) {
                AuthorizationErrorResponse error = response.toErrorResponse();
                out.println("outbox-mailer login: the sign-in was declined (" + error.getErrorObject().getCode()
                        + "); nothing was written. Run login again to retry");
                return DeviceLogin.NOT_SIGNED_IN;
            }
            AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
            TokenResponse tokens;
            try {
                tokens = OAuth2Tokens.send(s, new AuthorizationCodeGrant(code, redirect, verifier), null);
            } catch (OAuth2Failure e) {
                out.println("outbox-mailer login: " + e.getMessage());
                return DeviceLogin.NOT_SIGNED_IN;
            }
            if (!tokens.indicatesSuccess()) {
                out.println("outbox-mailer login: " + OAuth2Tokens.refusal(s, tokens.toErrorResponse().getErrorObject(),
                        "authorization_code").getMessage());
                return DeviceLogin.NOT_SIGNED_IN;
            }
            RefreshToken refresh = tokens.toSuccessResponse().getTokens().getRefreshToken();
            return DeviceLogin.keep(refresh, file, out);
        } finally {
            receiver.stop(0);
        }
    }
}
