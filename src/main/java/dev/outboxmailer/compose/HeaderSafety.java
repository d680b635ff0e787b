package dev.outboxmailer.compose;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules that keep draft text from changing a message's structure or envelope (SPEC §7): no line
 * breaks in anything that ends up in a header, header names per RFC 5322, and no custom header that
 * shadows a field the composer sets itself.
 */
final class HeaderSafety {

    /** Headers a draft sets through its own fields, or that decide structure or delivery. */
    private static final Set<String> RESERVED = Set.of(
            "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id",
            "mime-version", "return-path", "received", "envelope-to", "delivered-to");

    private static final Pattern MESSAGE_ID = Pattern.compile("<[\\x21-\\x3B\\x3D\\x3F-\\x7E&&[^@]]+@[\\x21-\\x3B\\x3D\\x3F-\\x7E&&[^@]]+>");
    private static final Pattern CONTENT_ID = Pattern.compile("[\\x21-\\x7E&&[^<>\"\\\\()\\[\\],;:]]+");

    private HeaderSafety() {}

    /** A CR, LF or NUL in {@code value} would let the draft write its own header lines: refuse it. */
    static void requireSingleLine(String field, String value) throws InvalidDraftException {
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                String what = c == '\r' ? "a carriage return (CR)" : c == '\n' ? "a line break (LF)" : "a NUL character";
                throw new InvalidDraftException(String.format(
                        "%s: %s contains %s; header values must be a single line", field, quoted(value), what));
            }
        }
    }

    /** A custom header name: printable ASCII without colon or space (RFC 5322 ftext), and not reserved. */
    static void requireAllowedHeaderName(String name) throws InvalidDraftException {
        requireSingleLine("\"headers\"", name);
        if (name.isEmpty()) {
            throw new InvalidDraftException("\"headers\": a header name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                throw new InvalidDraftException(String.format(
                        "\"headers\": %s is not a header name; use letters, digits and '-' only (no spaces or colons)",
                        quoted(name)));
            }
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("list-unsubscribe") || lower.equals("list-unsubscribe-post")) {
            throw new InvalidDraftException(String.format("\"headers\": %s cannot be set as a custom header; give "
                    + "\"unsubscribe\": {\"url\": \"https://…\", \"mailto\": \"…\"} instead (it writes both List-Unsubscribe headers)",
                    quoted(name)));
        }
        if (lower.equals("dkim-signature")) {
            throw new InvalidDraftException(String.format("\"headers\": %s cannot be set as a custom header; outbox-mailer "
                    + "signs the message itself when dkim.* is configured (an .eml keeps the signatures it has)", quoted(name)));
        }
        if (RESERVED.contains(lower) || lower.startsWith("content-") || lower.startsWith("resent-")) {
            throw new InvalidDraftException(String.format(
                    "\"headers\": %s cannot be set as a custom header; set from, to, cc, bcc, replyTo, subject "
                            + "or messageId through their own fields (Content-*, MIME-Version, Date and Resent-* are set by outbox-mailer)",
                    quoted(name)));
        }
    }

    /** A Message-ID as RFC 5322 writes it: {@code <left@right>}, printable ASCII, no spaces. */
    static void requireMessageId(String field, String messageId) throws InvalidDraftException {
        requireSingleLine(field, messageId);
        if (!MESSAGE_ID.matcher(messageId).matches()) {
            throw new InvalidDraftException(String.format(
                    "%s: %s is not a Message-ID; write it as <unique-part@your-domain>", field, quoted(messageId)));
        }
    }

    /** A Content-ID reference as used in {@code cid:} URLs: printable ASCII without spaces or brackets. */
    static void requireContentId(String field, String cid) throws InvalidDraftException {
        requireSingleLine(field, cid);
        if (!CONTENT_ID.matcher(cid).matches()) {
            throw new InvalidDraftException(String.format(
                    "%s: %s is not a usable content id; use letters, digits and . - _ @ only, as in cid:logo",
                    field, quoted(cid)));
        }
    }

    /** The value as it is shown in an error: in quotes, control characters made visible, long ones cut. */
    static String quoted(String value) {
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(value.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 32 || c == 127) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        if (value.length() > limit) {
            sb.append("…");
        }
        return sb.append('"').toString();
    }
}
