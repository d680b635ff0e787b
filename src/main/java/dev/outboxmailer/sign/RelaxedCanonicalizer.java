package dev.outboxmailer.sign;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code relaxed/relaxed} canonicalisation of RFC 6376 §3.4, fed with a message exactly as
 * {@code MimeMessage.writeTo} emits it for SMTP. Line ends are first made CRLF the way Angus Mail's SMTP
 * transport does on the wire (a lone CR or LF becomes CRLF), so what is hashed is what the server receives.
 * The header section is kept (it is small); the body is canonicalised and hashed as it streams by, so a
 * message of any size is signed without being held in memory.
 */
final class RelaxedCanonicalizer extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};

    private final ByteArrayOutputStream header = new ByteArrayOutputStream();
    private final MessageDigest bodyHash;
    private final byte[] buffer = new byte[8192];
    private int buffered;

    private int last = -1;
    private boolean inBody;
    private boolean headerLineEmpty = true;
    // body state
    private long emptyLines;
    private boolean pendingSpace;
    private boolean lineHasContent;
    private byte[] digest;

    RelaxedCanonicalizer() {
        try {
            bodyHash = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void write(int b) {
        b &= 0xff;
        if (b == '\r') {
            lineEnd();
        } else if (b == '\n') {
            if (last != '\r') {
                lineEnd();
            }
        } else {
            data(b);
        }
        last = b;
    }

    @Override
    public void write(byte[] bytes, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(bytes[i]);
        }
    }

    private void data(int b) {
        if (!inBody) {
            header.write(b);
            headerLineEmpty = false;
            return;
        }
        if (b == ' ' || b == '\t') {
            pendingSpace = true;
            return;
        }
        for (; emptyLines > 0; emptyLines--) {
            emit('\r');
            emit('\n');
        }
        if (pendingSpace) {
            emit(' ');
            pendingSpace = false;
        }
        emit(b);
        lineHasContent = true;
    }

    private void lineEnd() {
        if (!inBody) {
            if (headerLineEmpty) {
                inBody = true; // the empty line between header and body
            } else {
                header.writeBytes(CRLF);
                headerLineEmpty = true;
            }
            return;
        }
        if (lineHasContent) {
            emit('\r');
            emit('\n');
        } else {
            emptyLines++; // whitespace-only lines count as empty: trailing ones are dropped
        }
        lineHasContent = false;
        pendingSpace = false;
    }

    private void emit(int b) {
        if (buffered == buffer.length) {
            bodyHash.update(buffer, 0, buffered);
            buffered = 0;
        }
        buffer[buffered++] = (byte) b;
    }

    /** The SHA-256 of the canonical body (the {@code bh=} value), once everything was written. */
    byte[] bodyHash() {
        if (digest == null) {
            if (lineHasContent) {
                emit('\r');
                emit('\n'); // a non-empty body ends with CRLF
            }
            bodyHash.update(buffer, 0, buffered);
            buffered = 0;
            digest = bodyHash.digest();
        }
        return digest;
    }

    /** The header fields as written, each with its folding line breaks and without its final CRLF. */
    List<Field> fields() {
        byte[] all = header.toByteArray();
        List<Field> fields = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < all.length) {
            int end = indexOfCrlf(all, i);
            boolean continuation = all[i] == ' ' || all[i] == '\t';
            if (!continuation) {
                if (start >= 0) {
                    fields.add(Field.of(all, start, i - 2));
                }
                start = i;
            }
            i = end + 2;
        }
        if (start >= 0) {
            fields.add(Field.of(all, start, all.length - 2));
        }
        return fields;
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return b.length - 2;
    }

    /** One header field: its name and its raw bytes (name, colon, value with folding). */
    record Field(String name, byte[] raw) {
        static Field of(byte[] all, int from, int to) {
            byte[] raw = java.util.Arrays.copyOfRange(all, from, Math.max(from, to));
            int colon = 0;
            while (colon < raw.length && raw[colon] != ':') {
                colon++;
            }
            String name = new String(raw, 0, colon, StandardCharsets.ISO_8859_1).strip();
            return new Field(name, raw);
        }

        /** The value after the colon, unfolded, as text (ISO-8859-1: one char per byte). */
        String value() {
            int colon = name.length();
            while (colon < raw.length && raw[colon] != ':') {
                colon++;
            }
            String v = new String(raw, Math.min(raw.length, colon + 1), Math.max(0, raw.length - colon - 1),
                    StandardCharsets.ISO_8859_1);
            return v.replace("\r\n", "");
        }
    }

    /** The relaxed canonical form of a header field (RFC 6376 §3.4.2): {@code name:value}, with CRLF if asked. */
    static byte[] canonical(byte[] raw, boolean crlf) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 2);
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':') {
            colon++;
        }
        String name = new String(raw, 0, colon, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT);
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        out.write(':');
        boolean space = false;
        boolean started = false;
        for (int i = colon + 1; i < raw.length; i++) {
            int b = raw[i] & 0xff;
            if (b == '\r' || b == '\n') {
                continue; // unfold
            }
            if (b == ' ' || b == '\t') {
                space = true;
                continue;
            }
            if (space && started) {
                out.write(' ');
            }
            space = false;
            started = true;
            out.write(b);
        }
        if (crlf) {
            out.writeBytes(CRLF);
        }
        return out.toByteArray();
    }
}
