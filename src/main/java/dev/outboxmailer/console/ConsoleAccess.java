package dev.outboxmailer.console;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may read the console and who may act through it (SPEC §14):
 * <ul>
 *   <li>reading: anyone who reaches a management server on loopback; beyond loopback only with
 *       {@code console.token} (and with none set there, nobody);</li>
 *   <li>actions: only from loopback unless {@code console.token} is set, then only with it; always with the
 *       request's Origin (or, lacking one, Referer) naming the console itself and with the page's form key, so a
 *       page elsewhere in the operator's browser cannot trigger one;</li>
 *   <li>on loopback the Host header must name loopback too, so a rebound DNS name cannot read the pages.</li>
 * </ul>
 * The token travels as {@code Authorization: Bearer}, or once as {@code ?token=} which becomes an HttpOnly,
 * SameSite=Strict cookie; it never appears on a page.
 */
final class ConsoleAccess {
    static final String COOKIE = "outbox_console";

    /** A refused request: the status and a sentence saying why. */
    record Refusal(int status, String reason) {}

    private final String token;
    private final boolean loopbackOnly;
    /** The key every action form carries: random per start, not a secret of the operator's. */
    private final String formKey;

    ConsoleAccess(Optional<String> token, String managementHost) {
        this.token = token.map(String::strip).filter(t -> !t.isEmpty()).orElse(null);
        this.loopbackOnly = isLoopbackHost(managementHost);
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        this.formKey = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    String formKey() {
        return formKey;
    }

    boolean hasToken() {
        return token != null;
    }

    /** Whether a {@code ?token=} value is the token (to set the cookie). */
    boolean isToken(String given) {
        return token != null && given != null && same(given, token);
    }

    /**
     * Null when the request may read; otherwise why not.
     *
     * @param bearer the token the request carries (Authorization header or cookie), or null
     */
    Refusal read(String hostHeader, String bearer) {
        if (loopbackOnly && !isLoopbackHost(hostOf(hostHeader))) {
            return new Refusal(421, "this console answers on a loopback name only (127.0.0.1, localhost, [::1])");
        }
        if (token == null) {
            return loopbackOnly ? null : new Refusal(403, "the management server listens beyond loopback, so the "
                    + "console needs console.token: set it, then open the console with ?token=<it>");
        }
        if (!loopbackOnly && !isToken(bearer)) {
            return new Refusal(401, "open the console with ?token=<console.token> (or send Authorization: Bearer)");
        }
        return null;
    }

    /**
     * Null when the request may act; otherwise why not.
     *
     * @param remote  the peer's address
     * @param origin  the Origin header (or null), {@code referer} used only where it is missing
     * @param key     the form key the request carries
     */
    Refusal act(String remote, String hostHeader, String origin, String referer, String fetchSite, String bearer,
                String key) {
        Refusal reading = read(hostHeader, bearer);
        if (reading != null) {
            return reading;
        }
        if (token == null && !isLoopbackAddress(remote)) {
            return new Refusal(403, "actions are accepted from loopback only unless console.token is set");
        }
        if (token != null && !isToken(bearer)) {
            return new Refusal(401, "actions need console.token");
        }
        if (fetchSite != null && !fetchSite.equals("same-origin") && !fetchSite.equals("none")) {
            return new Refusal(403, "a request from another site (Sec-Fetch-Site: " + fetchSite + ") cannot act here");
        }
        String from = origin != null ? origin : referer;
        if (from == null || !sameOrigin(from, hostHeader)) {
            return new Refusal(403, "actions are accepted only from the console's own pages (Origin "
                    + (from == null ? "missing" : "does not match") + ")");
        }
        if (key == null || !same(key, formKey)) {
            return new Refusal(403, "the form key is missing or out of date: reload the page and try again");
        }
        return null;
    }

    private static boolean sameOrigin(String originOrReferer, String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        try {
            URI u = URI.create(originOrReferer.strip());
            if (u.getScheme() == null || u.getHost() == null) {
                return false;
            }
            String authority = u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
            return (u.getScheme().equals("http") || u.getScheme().equals("https"))
                    && authority.equalsIgnoreCase(hostHeader.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static String hostOf(String hostHeader) {
        if (hostHeader == null) {
            return "";
        }
        String h = hostHeader.strip();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(1, end);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    static boolean isLoopbackHost(String host) {
        String h = host == null ? "" : host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        return isLiteral(h) && isLoopbackAddress(h);
    }

    static boolean isLoopbackAddress(String address) {
        if (address == null || !isLiteral(address)) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** An IP literal (so looking it up never asks DNS). */
    private static boolean isLiteral(String h) {
        return h.matches("[0-9.]+") || (h.contains(":") && h.matches("[0-9a-fA-F:.%a-zA-Z]+"));
    }
}
