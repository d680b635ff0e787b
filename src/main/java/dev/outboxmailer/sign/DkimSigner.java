package dev.outboxmailer.sign;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Signs messages from one domain with its keys (SPEC §12): one {@code DKIM-Signature} per key, prepended,
 * {@code c=relaxed/relaxed}, no {@code l=}, computed over the bytes the SMTP transport will send (the
 * message's own {@code writeTo}, without Bcc, with CRLF line ends). After signing the message is sealed: its
 * headers and content can no longer change, so what was signed is what is sent.
 */
public final class DkimSigner {
    /** What the SMTP transport leaves out of what it sends (Angus Mail's SMTPTransport). */
    private static final String[] NOT_TRANSMITTED = {"Bcc", "Content-Length"};
    private static final int LINE = 76;

    private final String domain;
    private final List<DkimKey> keys;
    private final List<String> headers;
    private final Clock clock;

    /**
     * @param headers the header names to sign where present ({@code dkim.headers}); From is always signed once
     *                more than it occurs (oversigned), so no From can be added later
     */
    public DkimSigner(String domain, List<DkimKey> keys, List<String> headers, Clock clock) {
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.keys = List.copyOf(keys);
        this.headers = List.copyOf(headers);
        this.clock = clock;
    }

    public String domain() {
        return domain;
    }

    public List<DkimKey> keys() {
        return keys;
    }

    /** Whether the message is ours to sign: its From domain is {@link #domain()} or below it. */
    public boolean covers(OutgoingMessage message) throws MessagingException {
        String from = fromDomain(message);
        return from != null && (from.equals(domain) || from.endsWith("." + domain));
    }

    /**
     * Signs the message when its From domain is ours and it does not already carry a signature of this domain
     * (an {@code .eml} signed elsewhere stays as it is). Returns whether it was signed.
     */
    public boolean sign(OutgoingMessage message) throws MessagingException, IOException {
        if (!covers(message) || signedAlready(message)) {
            return false;
        }
        RelaxedCanonicalizer canonical = new RelaxedCanonicalizer();
        message.writeTo(canonical, NOT_TRANSMITTED); // streams the body: a large .eml is read from disk, not held
        List<RelaxedCanonicalizer.Field> fields = canonical.fields();
        String bodyHash = Base64.getEncoder().encodeToString(canonical.bodyHash());
        List<String> signed = signedHeaderNames(fields, message.signedHeaderNames());
        byte[] headerData = selectedHeaders(fields, signed);
        long now = clock.instant().getEpochSecond();

        List<String> lines = new ArrayList<>();
        for (DkimKey key : keys) {
            String template = template(key, now, signed, bodyHash);
            byte[] sigHeader = RelaxedCanonicalizer.canonical(
                    ("DKIM-Signature:" + template).getBytes(StandardCharsets.US_ASCII), false);
            ByteArrayOutputStream data = new ByteArrayOutputStream(headerData.length + sigHeader.length);
            data.writeBytes(headerData);
            data.writeBytes(sigHeader);
            byte[] signature;
            try {
                signature = key.sign(data.toByteArray());
            } catch (GeneralSecurityException e) {
                throw new MessagingException("DKIM signing with " + key.dnsName() + " failed: " + e.getMessage(), e);
            }
            lines.add("DKIM-Signature:" + template + foldBase64(Base64.getEncoder().encodeToString(signature)));
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            message.prependHeaderLine(lines.get(i)); // the first key's signature ends up on top
        }
        message.seal();
        return true;
    }

    /** h=: each configured header as often as it occurs, From once more (oversigned). */
    private List<String> signedHeaderNames(List<RelaxedCanonicalizer.Field> fields, List<String> draftHeaders) {
        Set<String> names = new LinkedHashSet<>();
        Set<String> seen = new java.util.HashSet<>();
        List<String> wanted = new ArrayList<>(headers);
        wanted.addAll(draftHeaders);
        for (String name : wanted) {
            if (seen.add(name.toLowerCase(Locale.ROOT))) {
                names.add(name);
            }
        }
        List<String> signed = new ArrayList<>();
        for (String name : names) {
            long n = fields.stream().filter(f -> f.name().equalsIgnoreCase(name)).count();
            if (name.equalsIgnoreCase("From")) {
                n++;
            }
            for (long i = 0; i < n; i++) {
                signed.add(name);
            }
        }
        return signed;
    }

    /** The canonical header fields h= names, each name taking the last instance not yet used (RFC 6376 §5.4.2). */
    private static byte[] selectedHeaders(List<RelaxedCanonicalizer.Field> fields, List<String> signed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] used = new boolean[fields.size()];
        for (String name : signed) {
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (!used[i] && fields.get(i).name().equalsIgnoreCase(name)) {
                    used[i] = true;
                    out.writeBytes(RelaxedCanonicalizer.canonical(fields.get(i).raw(), true));
                    break;
                }
            }
        }
        return out.toByteArray();
    }

    /** The DKIM-Signature value up to and including {@code b=}, folded into lines of at most 76 characters. */
    private String template(DkimKey key, long now, List<String> signed, String bodyHash) {
        List<String> tags = List.of("v=1", "a=" + key.algorithm().tag, "c=relaxed/relaxed", "d=" + domain,
                "s=" + key.selector(), "t=" + now);
        StringBuilder out = new StringBuilder();
        int column = "DKIM-Signature:".length();
        for (String tag : tags) {
            column = append(out, column, " " + tag + ";");
        }
        // h= folds between names
        StringBuilder h = new StringBuilder(" h=");
        for (int i = 0; i < signed.size(); i++) {
            String name = signed.get(i) + (i < signed.size() - 1 ? ":" : ";");
            if (column + h.length() + name.length() > LINE) {
                out.append(h);
                out.append("\r\n\t");
                column = 1;
                h.setLength(0);
            }
            h.append(name);
        }
        column = append(out, column, h.toString());
        column = append(out, column, " bh=" + bodyHash + ";");
        out.append("\r\n\tb=");
        return out.toString();
    }

    private static int append(StringBuilder out, int column, String piece) {
        if (column + piece.length() > LINE) {
            out.append("\r\n\t").append(piece.strip());
            return 1 + piece.strip().length();
        }
        out.append(piece);
        return column + piece.length();
    }

    /** The b= value in lines of the header's width (folding whitespace is allowed inside base64 values). */
    private static String foldBase64(String b64) {
        StringBuilder out = new StringBuilder();
        int first = LINE - 3;
        for (int i = 0; i < b64.length(); ) {
            int width = i == 0 ? first : LINE - 2;
            int end = Math.min(b64.length(), i + width);
            if (i > 0) {
                out.append("\r\n\t ");
            }
            out.append(b64, i, end);
            i = end;
        }
        return out.toString();
    }

    /** An .eml signed by this domain already is left alone (its signature must survive, SPEC §4.1). */
    private boolean signedAlready(OutgoingMessage message) throws MessagingException {
        String[] signatures = message.getHeader("DKIM-Signature");
        if (signatures == null) {
            return false;
        }
        for (String signature : signatures) {
            for (String tag : signature.replaceAll("\\s+", "").split(";")) {
                if (tag.toLowerCase(Locale.ROOT).startsWith("d=") && tag.substring(2).equalsIgnoreCase(domain)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The domain of the message's (first) From address, lower case in ASCII (IDNA) form; null without one. */
    static String fromDomain(OutgoingMessage message) throws MessagingException {
        String from = message.getHeader("From", ",");
        if (from == null) {
            return null;
        }
        InternetAddress[] parsed;
        try {
            parsed = InternetAddress.parseHeader(from, false);
        } catch (AddressException e) {
            return null;
        }
        if (parsed.length == 0 || parsed[0].getAddress() == null) {
            return null;
        }
        String address = parsed[0].getAddress();
        int at = address.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String host = address.substring(at + 1).strip();
        try {
            host = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return host.toLowerCase(Locale.ROOT);
    }
}
