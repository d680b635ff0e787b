package dev.outboxmailer.compose;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;

/** The bytes of a draft as the text a person wrote: checked for emptiness and decoded as strict UTF-8. */
final class DraftText {

    private DraftText() {}

    /** Rejects a zero-byte or whitespace-only draft. */
    static void requireNotEmpty(byte[] bytes) throws InvalidDraftException {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n' && b != '\f') {
                return;
            }
        }
        throw new InvalidDraftException("the draft is empty");
    }

    /** Decodes UTF-8 strictly (a leading byte-order mark is dropped); any malformed byte makes the draft invalid. */
    static String utf8(byte[] bytes) throws InvalidDraftException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            CharBuffer out = decoder.decode(in);
            String text = out.toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (MalformedInputException e) {
            throw new InvalidDraftException(String.format(
                    "the draft is not valid UTF-8 text: byte 0x%02X at offset %d cannot be read; save it as UTF-8",
                    bytes[in.position()] & 0xFF, in.position()));
        } catch (CharacterCodingException e) {
            throw new InvalidDraftException("the draft is not valid UTF-8 text; save it as UTF-8");
        }
    }
}
