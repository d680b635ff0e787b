package dev.outboxmailer.compose;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Test helpers: compose a draft, write it as SMTP would, and read it back as a recipient's client does. */
final class Mails {

    static final Session SESSION = Composer.newMimeSession();
    static final long MAX = 25L * 1024 * 1024;

    private Mails() {}

    static Composer composer() throws Exception {
        return new Composer(new ComposeSettings(new InternetAddress("Outbox <outbox@default.example>"), List.of(), MAX));
    }

    static OutgoingMessage compose(String name, String text) throws Exception {
        return compose(name, text, null);
    }

    static OutgoingMessage compose(String name, String text, Path root) throws Exception {
        return composer().compose(new Draft(name, text.getBytes(StandardCharsets.UTF_8), root));
    }

    /** The bytes the SMTP server receives: Angus SMTPTransport writes with this ignore list. */
    static byte[] transmitted(MimeMessage message) throws IOException, MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out, new String[] {"Bcc", "Content-Length"});
        return out.toByteArray();
    }

    static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static MimeMessage received(MimeMessage message) throws Exception {
        return new MimeMessage(SESSION, new ByteArrayInputStream(transmitted(message)));
    }

    static BodyPart part(Part parent, int... path) throws Exception {
        Part current = parent;
        for (int index : path) {
            current = ((Multipart) current.getContent()).getBodyPart(index);
        }
        return (BodyPart) current;
    }

    static byte[] bytesOf(Part part) throws Exception {
        try (var in = part.getInputStream()) {
            return in.readAllBytes();
        }
    }
}
