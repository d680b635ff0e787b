package dev.outboxmailer.compose;

import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bulk-sender headers of an envelope's {@code unsubscribe} (SPEC §12, RFC 2369 and RFC 8058):
 * {@code List-Unsubscribe: <https://…>, <mailto:…>} and, with an https url, the one-click
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}. The url must be https (RFC 8058 one-click needs
 * it, and a plain http link would let anyone on the path unsubscribe or track the recipient); a CR or LF
 * anywhere makes the draft {@code invalid-draft}.
 *
 * @param header the List-Unsubscribe value, folded where long
 * @param oneClick whether List-Unsubscribe-Post goes with it (an https url was given)
 */
record ListUnsubscribe(String header, boolean oneClick) {
    static final String POST = "List-Unsubscribe=One-Click";
    /** A URI longer than this would not fit a header line (998 at most). */
    private static final int MAX_URI = 900;

    static ListUnsubscribe of(EnvelopeDraft.Unsubscribe u, Naming naming) throws InvalidDraftException {
        if (u == null) {
            return null;
        }
        String urlLabel = label(naming, "url");
        String mailtoLabel = label(naming, "mailto");
        HeaderSafety.requireSingleLine(urlLabel, u.url());
        HeaderSafety.requireSingleLine(mailtoLabel, u.mailto());
        boolean noUrl = u.url() == null || u.url().isBlank();
        boolean noMailto = u.mailto() == null || u.mailto().isBlank();
        if (noUrl && noMailto) {
            throw new InvalidDraftException(label(naming, null) + " needs an https url, a mailto address, or both, "
                    + "as in {\"url\": \"https://example.com/unsubscribe?u=123\", \"mailto\": \"unsubscribe@example.com\"}");
        }
        List<String> uris = new ArrayList<>();
        if (!noUrl) {
            uris.add(https(urlLabel, u.url().strip()));
        }
        if (!noMailto) {
            uris.add(mailto(mailtoLabel, u.mailto().strip()));
        }
        StringBuilder header = new StringBuilder();
        int column = "List-Unsubscribe: ".length();
        for (String uri : uris) {
            String item = "<" + uri + ">";
            if (header.length() > 0) {
                header.append(',');
                column++;
                if (column + 1 + item.length() > 78) {
                    header.append("\r\n");
                    column = 0;
                }
                header.append(' ');
                column++;
            }
            header.append(item);
            column += item.length();
        }
        return new ListUnsubscribe(header.toString(), !noUrl);
    }

    private static String label(Naming naming, String part) {
        if (naming == Naming.ENVELOPE) {
            return "\"unsubscribe" + (part == null ? "" : "." + part) + "\"";
        }
        return naming.field("unsubscribe");
    }

    private static String https(String label, String url) throws InvalidDraftException {
        URI uri = uri(label, url, "an https URL such as https://example.com/unsubscribe?u=123");
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            throw new InvalidDraftException(label + ": " + HeaderSafety.quoted(url) + " is not an https URL; one-click "
                    + "unsubscribe (RFC 8058) needs https, as in https://example.com/unsubscribe?u=123");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new InvalidDraftException(label + ": " + HeaderSafety.quoted(url) + " has no host name");
        }
        return uri.toASCIIString();
    }

    private static String mailto(String label, String value) throws InvalidDraftException {
        if (!value.toLowerCase(Locale.ROOT).startsWith("mailto:")) {
            List<InternetAddress> address = Addresses.parse(label, List.of(value));
            if (address.size() != 1 || address.get(0).getPersonal() != null) {
                throw new InvalidDraftException(label + ": " + HeaderSafety.quoted(value)
                        + " must be one bare address, as in unsubscribe@example.com");
            }
            return "mailto:" + address.get(0).getAddress();
        }
        URI uri = uri(label, value, "mailto:unsubscribe@example.com?subject=unsubscribe");
        String to = uri.getSchemeSpecificPart();
        int query = to.indexOf('?');
        Addresses.parse(label, List.of(query < 0 ? to : to.substring(0, query)));
        return uri.toASCIIString();
    }

    private static URI uri(String label, String text, String example) throws InvalidDraftException {
        if (text.length() > MAX_URI) {
            throw new InvalidDraftException(label + ": the address is " + text.length() + " characters long; a header line "
                    + "holds at most " + MAX_URI + " of them here: use a shorter link");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 127 || c == '<' || c == '>') {
                throw new InvalidDraftException(label + ": " + HeaderSafety.quoted(text)
                        + " contains a space, '<', '>' or a non-ASCII character; write it as " + example
                        + " (percent-encode what it needs)");
            }
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidDraftException(label + ": " + HeaderSafety.quoted(text) + " is not a valid address ("
                    + e.getReason() + "); write it as " + example);
        }
    }
}
