package dev.outboxmailer.compose;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;

/** {@code mail.max-size}: the encoded size of a message as the SMTP server would receive it, and the limit on it. */
public final class SizeLimit {

    private SizeLimit() {}

    /** Refuses a message whose encoded bytes (without Bcc, as transmitted) exceed {@code maxSizeBytes}. */
    static void requireWithin(MimeMessage message, long maxSizeBytes) throws InvalidDraftException {
        long size = encodedSize(message);
        if (size > maxSizeBytes) {
            throw new InvalidDraftException(String.format(
                    "the message is %s when encoded, over the %s limit (mail.max-size); send large files another way "
                            + "or raise mail.max-size", human(size), human(maxSizeBytes)));
        }
    }

    static long encodedSize(MimeMessage message) throws InvalidDraftException {
        CountingOutputStream counter = new CountingOutputStream();
        try {
            message.writeTo(counter, new String[] {"Bcc", "Content-Length"});
        } catch (IOException | MessagingException e) {
            throw new InvalidDraftException("the message cannot be encoded: " + e.getMessage(), e);
        }
        return counter.count;
    }

    /** A size as the configuration writes it: {@code 512 bytes}, {@code 300.0 KB}, {@code 25.0 MB} (1 KB = 1024 bytes). */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static final class CountingOutputStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
