package dev.outboxmailer.compose;

import java.io.IOException;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The content type of a bare file (SPEC §4.4), from its name and its first bytes.
 *
 * <p>Which wins: the name gives the more specific type (a {@code .docx} is a zip, a {@code .csv} is
 * text), so it is used unless the bytes are unmistakably of another kind. The bytes are checked for
 * the magic numbers of PDF, PNG, JPEG, GIF, WebP and gzip; where those disagree with the name (a JPEG
 * saved as {@code photo.png}) the bytes win, because they are what the recipient's program opens.
 * A zip signature never overrides the name, since many formats are zips inside. Where the name says
 * nothing, the bytes decide: a magic number, else the JDK's sniffing of the stream, else valid UTF-8
 * without NUL bytes is {@code text/plain; charset=UTF-8}, else {@code application/octet-stream}.
 */
final class ContentTypes {

    private static final String OCTET_STREAM = "application/octet-stream";
    private static final Set<String> CONTAINERS = Set.of("application/zip", "application/gzip");

    private ContentTypes() {}

    static String detect(String name, byte[] bytes) {
        String byName = byName(name);
        String byBytes = magic(bytes);
        if (byName != null && !byName.equals(OCTET_STREAM)) {
            if (byBytes == null || CONTAINERS.contains(byBytes) || byBytes.equals(byName)) {
                return byName;
            }
            return byBytes;
        }
        if (byBytes != null) {
            return byBytes;
        }
        String sniffed = sniff(bytes);
        if (sniffed != null) {
            return sniffed;
        }
        return isText(bytes) ? "text/plain; charset=UTF-8" : OCTET_STREAM;
    }

    static String byName(String name) {
        String type = null;
        try {
            type = Files.probeContentType(Path.of(name));
        } catch (IOException | InvalidPathException ignored) {
            // fall back to the JDK's table
        }
        if (type == null) {
            type = URLConnection.guessContentTypeFromName(name);
        }
        return type;
    }

    /** The type given away by the first bytes of the common binary formats, or null. */
    static String magic(byte[] b) {
        if (startsWith(b, '%', 'P', 'D', 'F', '-')) {
            return "application/pdf";
        }
        if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "image/png";
        }
        if (startsWith(b, 0xFF, 0xD8, 0xFF)) {
            return "image/jpeg";
        }
        if (startsWith(b, 'G', 'I', 'F', '8', '7', 'a') || startsWith(b, 'G', 'I', 'F', '8', '9', 'a')) {
            return "image/gif";
        }
        if (startsWith(b, 'R', 'I', 'F', 'F') && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return "image/webp";
        }
        if (startsWith(b, 'P', 'K', 3, 4) || startsWith(b, 'P', 'K', 5, 6)) {
            return "application/zip";
        }
        if (startsWith(b, 0x1F, 0x8B)) {
            return "application/gzip";
        }
        return null;
    }

    private static String sniff(byte[] bytes) {
        try (var in = new java.io.ByteArrayInputStream(Arrays.copyOf(bytes, Math.min(bytes.length, 64)))) {
            return URLConnection.guessContentTypeFromStream(in);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isText(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
