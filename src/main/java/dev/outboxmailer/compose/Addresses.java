package dev.outboxmailer.compose;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.UnsupportedEncodingException;
import java.net.IDN;
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

    /** Display names longer than this are refused: no person is called that, and a header line must stay short. */
    static final int MAX_NAME_CHARS = 200;

    private Addresses() {}

    /** Every address in the given strings, in order; a string may hold a comma-separated list. */
    static List<InternetAddress> parse(String field, List<String> values) throws InvalidDraftException {
        List<InternetAddress> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        for (String value : values) {
            if (value == null) {
                throw new InvalidDraftException(String.format("%s: an entry is empty (null)", field));
            }
            HeaderSafety.requireSingleLine(field, value);
            if (value.isBlank()) {
                throw new InvalidDraftException(String.format("%s: an entry is empty", field));
            }
            InternetAddress[] parsed;
            try {
                parsed = InternetAddress.parse(value, true);
            } catch (AddressException e) {
                throw notAnAddress(field, badEntry(value), e);
            }
            for (InternetAddress address : parsed) {
                if (address.isGroup()) {
                    throw new InvalidDraftException(String.format(
                            "%s: %s is a group; list the addresses themselves", field, HeaderSafety.quoted(value)));
                }
                out.add(checked(field, parsed.length == 1 ? value : address.toUnicodeString(), address));
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
                        out.add(checked("\"" + header + "\"", member.getAddress(), member));
                    }
                } else {
                    out.add(checked("\"" + header + "\"", value, address));
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

    /** A configured address (mail.from, mail.to) made ready to send like a draft's: IDN domain in its xn-- form, name encoded. */
    static InternetAddress normalized(String field, InternetAddress address) throws InvalidDraftException {
        return checked(field, address.toUnicodeString(), (InternetAddress) address.clone());
    }

    /**
     * The address checked and made ready for the envelope and headers: an internationalised domain
     * ({@code bücher.example}) becomes its ASCII form ({@code xn--bcher-kva.example}, RFC 5890); a
     * non-ASCII local part is refused, since sending to it needs SMTPUTF8, which outbox-mailer does not
     * use; a display name is re-encoded as UTF-8.
     */
    private static InternetAddress checked(String field, String written, InternetAddress address)
            throws InvalidDraftException {
        String email = address.getAddress();
        try {
            address.validate();
        } catch (AddressException e) {
            throw notAnAddress(field, written, e);
        }
        int at = email == null ? -1 : email.lastIndexOf('@');
        if (at <= 0 || at == email.length() - 1) {
            throw new InvalidDraftException(String.format(
                    "%s: %s is not an email address", field, HeaderSafety.quoted(written)));
        }
        String local = email.substring(0, at);
        String domain = email.substring(at + 1);
        if (!isAscii(local)) {
            throw new InvalidDraftException(String.format(
                    "%s: %s is not an email address outbox-mailer can send to: the part before the @ has non-ASCII "
                            + "characters, which only servers speaking SMTPUTF8 accept (outbox-mailer does not use it)",
                    field, HeaderSafety.quoted(email)));
        }
        if (!isAscii(domain) || domain.regionMatches(true, 0, "xn--", 0, 4) || domain.toLowerCase(Locale.ROOT).contains(".xn--")) {
            String ascii;
            try {
                ascii = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES);
                IDN.toUnicode(ascii, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new InvalidDraftException(String.format(
                        "%s: %s is not an email address: %s is not a valid internationalised domain name",
                        field, HeaderSafety.quoted(email), HeaderSafety.quoted(domain)));
            }
            if (ascii.isEmpty() || !isAscii(ascii)) {
                throw new InvalidDraftException(String.format(
                        "%s: %s is not an email address: %s is not a valid domain name",
                        field, HeaderSafety.quoted(email), HeaderSafety.quoted(domain)));
            }
            domain = ascii;
        }
        String personal = address.getPersonal();
        if (personal != null && personal.length() > MAX_NAME_CHARS) {
            throw new InvalidDraftException(String.format(
                    "%s: the display name of %s is %,d characters long; at most %d are allowed",
                    field, HeaderSafety.quoted(email), personal.length(), MAX_NAME_CHARS));
        }
        InternetAddress ascii = new InternetAddress();
        ascii.setAddress(local + "@" + domain);
        if (personal != null) {
            HeaderSafety.requireSingleLine(field, personal);
            try {
                ascii.setPersonal(personal, StandardCharsets.UTF_8.name());
            } catch (UnsupportedEncodingException e) {
                throw new IllegalStateException("UTF-8 is always supported", e);
            }
        }
        return utf8(ascii);
    }

    /**
     * In a list that does not parse, the entry that does not (so the reason names {@code "nobody"}, not
     * the whole list): the text is split at the commas that stand outside quotes, angle brackets and
     * comments, and the first entry that fails on its own is returned; the whole text where none does.
     */
    private static String badEntry(String list) {
        List<String> entries = new ArrayList<>();
        boolean quoted = false;
        int angle = 0;
        int comment = 0;
        int start = 0;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '(') {
                comment++;
            } else if (c == ')' && comment > 0) {
                comment--;
            } else if (c == '<') {
                angle++;
            } else if (c == '>' && angle > 0) {
                angle--;
            } else if (c == ',' && angle == 0 && comment == 0) {
                entries.add(list.substring(start, i));
                start = i + 1;
            }
        }
        entries.add(list.substring(start));
        if (entries.size() < 2) {
            return list;
        }
        for (String entry : entries) {
            try {
                for (InternetAddress address : InternetAddress.parse(entry, true)) {
                    address.validate();
                }
            } catch (AddressException e) {
                return entry.strip();
            }
        }
        return list;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 126) {
                return false;
            }
        }
        return true;
    }

    private static InvalidDraftException notAnAddress(String field, String value, AddressException e) {
        String detail = e.getMessage();
        int inString = detail == null ? -1 : detail.indexOf(" in string ");
        if (inString > 0) {
            detail = detail.substring(0, inString);
        }
        return new InvalidDraftException(String.format(
                "%s: %s is not an email address%s", field, HeaderSafety.quoted(value),
                detail == null || detail.isBlank() ? "" : " (" + detail.toLowerCase(Locale.ROOT) + ")"));
    }

    private static String unfold(String value) {
        return value.replaceAll("\r?\n[ \t]", " ");
    }
}
