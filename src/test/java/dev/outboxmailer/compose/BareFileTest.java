package dev.outboxmailer.compose;

import static dev.outboxmailer.compose.Mails.bytesOf;
import static dev.outboxmailer.compose.Mails.part;
import static dev.outboxmailer.compose.Mails.received;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bare files (SPEC §4.4): any other file is the single attachment of a mail to mail.to. */
class BareFileTest {

    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F'};

    private static Composer composer(String to) throws Exception {
        return new Composer(new ComposeSettings(new InternetAddress("Mailer <mailer@example.com>"),
                List.of(InternetAddress.parse(to)), Mails.MAX));
    }

    @Test
    void aFileBecomesTheAttachmentOfAMailToMailTo() throws Exception {
        byte[] pdf = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n".getBytes(StandardCharsets.ISO_8859_1);
        OutgoingMessage sent = composer("ops@example.org, Zoë <zoe@bücher.example>").compose(new Draft("Q3 报告.pdf", pdf, null));
        MimeMessage got = received(sent);
        assertThat(got.getSubject()).isEqualTo("Q3 报告.pdf");
        assertThat(sent.envelopeRecipients()).extracting(InternetAddress::getAddress)
                .containsExactly("ops@example.org", "zoe@xn--bcher-kva.example");
        assertThat(((InternetAddress) got.getFrom()[0]).getAddress()).isEqualTo("mailer@example.com");
        assertThat(got.getMessageID()).endsWith("@example.com>");
        assertThat(got.getContentType()).startsWith("multipart/mixed");
        assertThat(part(got, 0).getContent()).isEqualTo("Q3 报告.pdf is attached.");
        assertThat(part(got, 1).getFileName()).isEqualTo("Q3 报告.pdf");
        assertThat(part(got, 1).getContentType()).startsWith("application/pdf");
        assertThat(bytesOf(part(got, 1))).isEqualTo(pdf);
    }

    @Test
    void contentTypeFromNameAndBytes() {
        // the name is more specific than a zip signature
        assertThat(ContentTypes.detect("sheet.xlsx", new byte[] {'P', 'K', 3, 4, 0}))
                .isEqualTo("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        // the bytes win where they plainly disagree with the name
        assertThat(ContentTypes.detect("photo.png", JPEG)).isEqualTo("image/jpeg");
        // no type in the name: the bytes decide
        assertThat(ContentTypes.detect("scan", PNG)).isEqualTo("image/png");
        assertThat(ContentTypes.detect("notes", "plain words\n".getBytes())).isEqualTo("text/plain; charset=UTF-8");
        assertThat(ContentTypes.detect("blob.unknownext", new byte[] {0, 1, 2, (byte) 0xFE})).isEqualTo("application/octet-stream");
        assertThat(ContentTypes.detect("page", "<html><body>x</body></html>".getBytes())).isEqualTo("text/html");
        // agreeing name and bytes
        assertThat(ContentTypes.detect("logo.png", PNG)).isEqualTo("image/png");
        assertThat(ContentTypes.detect("a.pdf", "%PDF-1.4".getBytes())).isEqualTo("application/pdf");
    }

    @Test
    void withoutMailToOrMailFromOrWithABadNameItIsInvalid() throws Exception {
        Composer none = new Composer(new ComposeSettings(new InternetAddress("a@example.com"), List.of(), Mails.MAX));
        assertThatThrownBy(() -> none.compose(new Draft("photo.jpg", JPEG, null)))
                .isInstanceOf(InvalidDraftException.class).hasMessageContaining("mail.to is not set");
        Composer noFrom = new Composer(new ComposeSettings(null, List.of(new InternetAddress("b@example.com")), Mails.MAX));
        assertThatThrownBy(() -> noFrom.compose(new Draft("photo.jpg", JPEG, null)))
                .isInstanceOf(InvalidDraftException.class).hasMessageContaining("mail.from");
        assertThatThrownBy(() -> composer("b@example.com").compose(new Draft("a\r\nBcc: x@example.net.jpg", JPEG, null)))
                .isInstanceOf(InvalidDraftException.class).hasMessageContaining("the file name").hasMessageContaining("carriage return");
        assertThatThrownBy(() -> composer("b@example.com").compose(new Draft("empty.bin", new byte[0], null)))
                .isInstanceOf(InvalidDraftException.class).hasMessage("the draft is empty");
        Composer small = new Composer(new ComposeSettings(new InternetAddress("a@example.com"),
                List.of(new InternetAddress("b@example.com")), 1024));
        assertThatThrownBy(() -> small.compose(new Draft("big.bin", new byte[4096], null)))
                .isInstanceOf(InvalidDraftException.class).hasMessageContainingAll("4.0 KB", "1.0 KB", "mail.max-size");
    }
}
