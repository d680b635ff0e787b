package dev.outboxmailer.compose;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the email addresses a person wrote ({@code "Zoë <zoe@example.org>"}, or several separated by
 * commas) into addresses that are safe to put on the envelope and in headers: each one checked, and
 * display names re-encoded so they go out as RFC 2047 UTF-8 encoded-words.
 */
final class Addresses {

    private Addresses() {}

    /** Every address in the given strings, in order; a string may hold a comma-separated list. */
    static List<InternetAddress> parse(String field, List<String> values) throws InvalidDraftException {
        List<InternetAddress> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        for (String value : values) {
            if (value == null) {
                throw new InvalidDraftException(String.format("\"%s\": an entry is empty (null)", field));
            }
            HeaderSafety.requireSingleLine(field, value);
            if (value.isBlank()) {
                throw new InvalidDraftException(String.format("\"%s\": an entry is empty", field));
            }
            InternetAddress[] parsed;
            try {
                parsed = InternetAddress.parse(value, true);
            } catch (AddressException e) {
                throw notAnAddress(field, value, e);
            }
            for (InternetAddress address : parsed) {
                if (address.isGroup()) {
                    throw new InvalidDraftException(String.format(
                            "\"%s\": %s is a group; list the addresses themselves", field, HeaderSafety.quoted(value)));
                }
                out.add(checked(field, value, address));
            }
        }
        return out;
    }

    /**
     * The addresses in a header of a finished message, with groups expanded (an empty group such as
     * {@code undisclosed-recipients:;} contributes none).
     */
    static List<InternetAddress> parseHeader(String header, String value) throws InvalidDraftException {
        List<InternetAddress> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        try {
            for (InternetAddress address : InternetAddress.parseHeader(value, true)) {
                if (address.isGroup()) {
                    for (InternetAddress member : address.getGroup(true)) {
                        out.add(checked(header, member.getAddress(), member));
                    }
                } else {
                    out.add(checked(header, value, address));
                }
            }
        } catch (AddressException e) {
            throw new InvalidDraftException(String.format(
                    "the %s header %s cannot be read as email addresses (%s)",
                    header, HeaderSafety.quoted(unfold(value)), e.getMessage()));
        }
        return out;
    }

    /** The same address with its display name re-encoded as UTF-8, so it never goes out as raw 8-bit text. */
    static InternetAddress utf8(InternetAddress address) throws InvalidDraftException {
        String personal = address.getPersonal();
        if (personal == null || personal.isEmpty()) {
            InternetAddress plain = new InternetAddress();
            plain.setAddress(address.getAddress());
            return plain;
        }
        try {
            return new InternetAddress(address.getAddress(), personal, StandardCharsets.UTF_8.name());
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException("UTF-8 is always supported", e);
        }
    }

    /** To + Cc + Bcc without repeats (the same address in any letter case counts once), first one kept. */
    static List<InternetAddress> distinct(List<InternetAddress> addresses) {
        Map<String, InternetAddress> seen = new LinkedHashMap<>();
        for (InternetAddress address : addresses) {
            seen.putIfAbsent(address.getAddress().toLowerCase(Locale.ROOT), address);
        }
        return List.copyOf(seen.values());
    }

    /** The domain of an address, for Message-IDs: what follows the last '@'. */
    static String domainOf(InternetAddress address) {
        String a = address.getAddress();
        return a.substring(a.lastIndexOf('@') + 1);
    }

    private static InternetAddress checked(String field, String written, InternetAddress address)
            throws InvalidDraftException {
        String email = address.getAddress();
        try {
            address.validate();
        } catch (AddressException e) {
            throw notAnAddress(field, written, e);
        }
        if (email == null || email.indexOf('@') <= 0 || email.endsWith("@")) {
            throw new InvalidDraftException(String.format(
                    "\"%s\": %s is not an email address", field, HeaderSafety.quoted(written)));
        }
        for (int i = 0; i < email.length(); i++) {
            if (email.charAt(i) > 126) {
                throw new InvalidDraftException(String.format(
                        "\"%s\": %s is not an email address outbox-mailer can send to: it has non-ASCII characters "
                                + "(write an internationalised domain in its xn-- form)",
                        field, HeaderSafety.quoted(email)));
            }
        }
        return utf8(address);
    }

    private static InvalidDraftException notAnAddress(String field, String value, AddressException e) {
        String detail = e.getMessage();
        int inString = detail == null ? -1 : detail.indexOf(" in string ");
        if (inString > 0) {
            detail = detail.substring(0, inString);
        }
        return new InvalidDraftException(String.format(
                "\"%s\": %s is not an email address%s", field, HeaderSafety.quoted(value),
                detail == null || detail.isBlank() ? "" : " (" + detail.toLowerCase(Locale.ROOT) + ")"));
    }

    private static String unfold(String value) {
        return value.replaceAll("\r?\n[ \t]", " ");
    }
}
