package dev.outboxmailer.compose;

import jakarta.mail.internet.MimeUtility;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Unstructured header text (Subject, X- headers) as it goes on the wire: RFC 2047 encoded-words where
 * it is not ASCII, folded so that no line passes 78 characters where it can be helped and never 998.
 * Folding happens at spaces, so text with a long run without one (a 10,000-character subject of one
 * "word") is written as a series of short UTF-8 encoded-words instead; a reader joins them back into
 * exactly the text given.
 */
final class HeaderText {

    private static final int PREFERRED_LINE = 78;
    /** UTF-8 bytes per encoded-word: 42 bytes are 56 base64 characters, 68 with =?UTF-8?B? and ?=. */
    private static final int WORD_BYTES = 42;

    private HeaderText() {}

    static String unstructured(String headerName, String value) {
        int used = headerName.length() + 2;
        String folded;
        try {
            folded = MimeUtility.fold(used, MimeUtility.encodeText(value, "UTF-8", null));
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException("UTF-8 is always supported", e);
        }
        return fits(folded, used) && !edgeSpaces(value) ? folded : encodedWords(value);
    }

    /** Spaces at the start or end of plain header text are lost when it is read back; encoded they are kept. */
    private static boolean edgeSpaces(String value) {
        return !value.isEmpty() && (Character.isWhitespace(value.charAt(0))
                || Character.isWhitespace(value.charAt(value.length() - 1)));
    }

    private static boolean fits(String folded, int used) {
        int lineStart = 0;
        int first = used;
        for (int i = 0; i <= folded.length(); i++) {
            if (i == folded.length() || folded.charAt(i) == '\r' || folded.charAt(i) == '\n') {
                if (i - lineStart + first > PREFERRED_LINE) {
                    return false;
                }
                first = 0;
                lineStart = i + 1;
            }
        }
        return true;
    }

    /** The value as UTF-8 B encoded-words of at most {@link #WORD_BYTES} bytes, never splitting a character, one per line. */
    static String encodedWords(String value) {
        StringBuilder out = new StringBuilder();
        StringBuilder chunk = new StringBuilder();
        int chunkBytes = 0;
        for (int i = 0; i < value.length(); ) {
            int codePoint = value.codePointAt(i);
            String character = new String(Character.toChars(codePoint));
            int bytes = character.getBytes(StandardCharsets.UTF_8).length;
            if (chunkBytes + bytes > WORD_BYTES) {
                appendWord(out, chunk);
                chunk.setLength(0);
                chunkBytes = 0;
            }
            chunk.append(character);
            chunkBytes += bytes;
            i += Character.charCount(codePoint);
        }
        if (chunk.length() > 0 || out.length() == 0) {
            appendWord(out, chunk);
        }
        return out.toString();
    }

    private static void appendWord(StringBuilder out, CharSequence chunk) {
        if (out.length() > 0) {
            out.append("\r\n ");
        }
        out.append("=?UTF-8?B?")
                .append(Base64.getEncoder().encodeToString(chunk.toString().getBytes(StandardCharsets.UTF_8)))
                .append("?=");
    }
}
