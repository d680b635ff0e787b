package dev.outboxmailer.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real OAuth2 authorization server in the test JVM (the JDK's HTTP server on loopback): {@code /token} issues
 * short-lived access tokens for the refresh_token, client_credentials, JWT bearer and device_code grants and
 * rotates refresh tokens on every use (the old one is revoked, as Microsoft does); {@code /devicecode} starts
 * the device flow of RFC 8628. The SMTP server of a test asks {@link #valid(String)} whether a token is good.
 */
public final class TokenEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum ClientAuth { POST, BASIC }

    private HttpServer server;
    private int port;
    private final String clientId;
    private final String clientSecret;
    private volatile ClientAuth clientAuth = ClientAuth.POST;
    private volatile Duration lifetime = Duration.ofHours(1);
    private volatile boolean rotate = true;
    private volatile int failWith; // an HTTP status to answer every request with, 0: none
    private volatile Predicate<String> assertionCheck = a -> false;
    private final Map<String, Long> accessTokens = new ConcurrentHashMap<>(); // token -> expires (nanoTime)
    private final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();
    private final Set<String> everIssued = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    // the device flow: how many polls answer authorization_pending, whether one answers slow_down, the end
    private volatile int pendingPolls;
    private volatile boolean slowDownOnce;
    private volatile String deviceOutcome = "approve"; // approve, access_denied, expired_token
    private final List<Long> pollNanos = new CopyOnWriteArrayList<>();
    // the browser sign-in: code -> the redirect URI and PKCE challenge it was issued for
    private final Map<String, String[]> codes = new ConcurrentHashMap<>();
    private volatile String browserOutcome = "approve"; // approve, access_denied

    private TokenEndpoint(String clientId, String clientSecret) throws IOException {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        listen(0);
    }

    private void listen(int on) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), on), 0);
        server.createContext("/token", this::token);
        server.createContext("/devicecode", this::deviceCode);
        server.createContext("/authorize", this::authorize);
        server.start();
        port = server.getAddress().getPort();
    }

    /** Listens again on the port it had, after {@link #stop()}. */
    public void restart() throws IOException {
        listen(port);
    }

    /** An endpoint for this registered client; a null secret makes it a public client. */
    public static TokenEndpoint start(String clientId, String clientSecret) throws IOException {
        return new TokenEndpoint(clientId, clientSecret);
    }

    public String tokenUrl() {
        return "http://127.0.0.1:" + port + "/token";
    }

    public String authorizeUrl() {
        return "http://127.0.0.1:" + port + "/authorize";
    }

    public String deviceUrl() {
        return "http://127.0.0.1:" + port + "/devicecode";
    }

    public int port() {
        return port;
    }

    public TokenEndpoint clientAuth(ClientAuth auth) {
        this.clientAuth = auth;
        return this;
    }

    /** How long the access tokens it issues from now on are valid (and say they are). */
    public TokenEndpoint lifetime(Duration lifetime) {
        this.lifetime = lifetime;
        return this;
    }

    public TokenEndpoint rotate(boolean rotate) {
        this.rotate = rotate;
        return this;
    }

    /** Every request is answered with this HTTP status and no token (0: normal service again). */
    public TokenEndpoint failWith(int status) {
        this.failWith = status;
        return this;
    }

    /** Which JWT bearer assertions it takes. */
    public TokenEndpoint assertions(Predicate<String> check) {
        this.assertionCheck = check;
        return this;
    }

    /** A refresh token the user got by signing in (as a first {@code login} would have written). */
    public String issueRefreshToken() {
        String token = "rt-" + UUID.randomUUID();
        refreshTokens.add(token);
        everIssued.add(token);
        return token;
    }

    /** Revokes a refresh token or an access token (the user changed the password, an admin revoked it). */
    public void revoke(String token) {
        revoked.add(token);
        refreshTokens.remove(token);
        accessTokens.remove(token);
    }

    public boolean isRevoked(String token) {
        return revoked.contains(token);
    }

    /** The refresh tokens that are good now. */
    public Set<String> liveRefreshTokens() {
        return Set.copyOf(refreshTokens);
    }

    /** Issued by this endpoint, not revoked, not expired. */
    public boolean valid(String accessToken) {
        Long expires = accessTokens.get(accessToken);
        return expires != null && System.nanoTime() < expires;
    }

    /** Every access and refresh token it ever issued (none may show up in any output). */
    public Set<String> everIssued() {
        return Set.copyOf(everIssued);
    }

    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** The form fields of every request to {@code /token}, in order. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    /** The device flow: {@code pending} polls answer authorization_pending, then (once) slow_down if asked, then the outcome. */
    public TokenEndpoint deviceFlow(int pending, boolean slowDown, String outcome) {
        this.pendingPolls = pending;
        this.slowDownOnce = slowDown;
        this.deviceOutcome = outcome;
        return this;
    }

    /** The browser sign-in: the person approves ({@code approve}) or declines ({@code access_denied}). */
    public TokenEndpoint browserSignIn(String outcome) {
        this.browserOutcome = outcome;
        return this;
    }

    /** The "browser": the person signs in and the endpoint redirects to the client's loopback address. */
    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : String.valueOf(exchange.getRequestURI().getRawQuery()).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        requests.add(q);
        String redirect = q.get("redirect_uri");
        boolean fine = clientId.equals(q.get("client_id")) && "code".equals(q.get("response_type"))
                && "S256".equals(q.get("code_challenge_method")) && q.get("code_challenge") != null
                && redirect != null && redirect.startsWith("http://127.0.0.1:");
        if (!fine) {
            answer(exchange, 400, Map.of("error", "invalid_request"));
            return;
        }
        String location;
        if (browserOutcome.equals("approve")) {
            String code = "ac-" + UUID.randomUUID();
            codes.put(code, new String[] {redirect, q.get("code_challenge")});
            location = redirect + "?code=" + code + "&state=" + enc(q.get("state"));
        } else {
            location = redirect + "?error=" + browserOutcome + "&state=" + enc(q.get("state"));
        }
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
        exchange.close();
    }

    private void authorizationCode(HttpExchange exchange, Map<String, String> form) throws IOException {
        String[] issued = codes.remove(String.valueOf(form.get("code")));
        String verifier = form.get("code_verifier");
        boolean fine = issued != null && issued[0].equals(form.get("redirect_uri")) && verifier != null;
        if (fine) {
            try {
                byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
                fine = Base64.getUrlEncoder().withoutPadding().encodeToString(hash).equals(issued[1]);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        if (fine) {
            issue(exchange, issueRefreshToken());
        } else {
            answer(exchange, 400, Map.of("error", "invalid_grant", "error_description", "code, redirect_uri or code_verifier wrong"));
        }
    }

    /** When each device-code poll arrived ({@link System#nanoTime()}). */
    public List<Long> pollNanos() {
        return List.copyOf(pollNanos);
    }

    private void deviceCode(HttpExchange exchange) throws IOException {
        Map<String, String> form = form(exchange);
        if (!clientId.equals(form.get("client_id"))) {
            answer(exchange, 400, Map.of("error", "invalid_client"));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("device_code", "dc-" + UUID.randomUUID());
        body.put("user_code", "WDJB-MJHT");
        body.put("verification_uri", "http://127.0.0.1:" + port + "/device");
        body.put("expires_in", 900);
        body.put("interval", 1);
        answer(exchange, 200, body);
    }

    private synchronized void token(HttpExchange exchange) throws IOException {
        tokenRequests.incrementAndGet();
        Map<String, String> form = form(exchange);
        requests.add(form);
        if (failWith != 0) {
            answer(exchange, failWith, Map.of("error", "server_error"));
            return;
        }
        boolean assertion = "urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type")); // signed instead
        if (!assertion && !clientAuthenticated(exchange, form)) {
            answer(exchange, 401, Map.of("error", "invalid_client", "error_description", "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: "
                    + UUID.randomUUID() + "\r\nTimestamp: 2026-12-02"));
            return;
        }
        String grant = String.valueOf(form.get("grant_type"));
        switch (grant) {
            case "refresh_token" -> {
                String presented = form.get("refresh_token");
                if (presented == null || !refreshTokens.contains(presented)) {
                    answer(exchange, 400, Map.of("error", "invalid_grant", "error_description",
                            "AADSTS700082: The refresh token has expired due to inactivity. Trace ID: " + UUID.randomUUID()));
                    return;
                }
                String next = null;
                if (rotate) {
                    revoke(presented);
                    next = issueRefreshToken();
                }
                issue(exchange, next);
            }
            case "client_credentials" -> issue(exchange, null);
            case "urn:ietf:params:oauth:grant-type:jwt-bearer" -> {
                if (assertionCheck.test(form.get("assertion"))) {
                    issue(exchange, null);
                } else {
                    answer(exchange, 400, Map.of("error", "invalid_grant", "error_description", "Invalid JWT Signature."));
                }
            }
            case "urn:ietf:params:oauth:grant-type:device_code" -> device(exchange);
            case "authorization_code" -> authorizationCode(exchange, form);
            default -> answer(exchange, 400, Map.of("error", "unsupported_grant_type"));
        }
    }

    private void device(HttpExchange exchange) throws IOException {
        pollNanos.add(System.nanoTime());
        if (pendingPolls > 0) {
            pendingPolls--;
            answer(exchange, 400, Map.of("error", "authorization_pending"));
        } else if (slowDownOnce) {
            slowDownOnce = false;
            answer(exchange, 400, Map.of("error", "slow_down"));
        } else if (deviceOutcome.equals("approve")) {
            issue(exchange, issueRefreshToken());
        } else {
            answer(exchange, 400, Map.of("error", deviceOutcome));
        }
    }

    private boolean clientAuthenticated(HttpExchange exchange, Map<String, String> form) {
        if (clientSecret == null) {
            return clientId.equals(form.get("client_id")) || form.containsKey("assertion");
        }
        if (clientAuth == ClientAuth.BASIC) {
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString(
                    (enc(clientId) + ":" + enc(clientSecret)).getBytes(StandardCharsets.UTF_8));
            return expected.equals(header) && !form.containsKey("client_secret");
        }
        return clientId.equals(form.get("client_id")) && clientSecret.equals(form.get("client_secret"));
    }

    private void issue(HttpExchange exchange, String refreshToken) throws IOException {
        String access = "at-" + UUID.randomUUID();
        accessTokens.put(access, System.nanoTime() + lifetime.toNanos());
        everIssued.add(access);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", access);
        body.put("token_type", "Bearer");
        body.put("expires_in", lifetime.toSeconds());
        if (refreshToken != null) {
            body.put("refresh_token", refreshToken);
        }
        answer(exchange, 200, body);
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static void answer(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** Stops listening: the endpoint is down (connections are refused). */
    public void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
