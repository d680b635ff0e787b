package dev.outboxmailer.compose;

import static dev.outboxmailer.compose.Mails.bytesOf;
import static dev.outboxmailer.compose.Mails.latin1;
import static dev.outboxmailer.compose.Mails.part;
import static dev.outboxmailer.compose.Mails.received;
import static dev.outboxmailer.compose.Mails.transmitted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Notes (SPEC §4.3): .txt and .md files with a header block, then the body. */
class NoteDraftTest {

    @TempDir
    Path outbox;
    byte[] report = new byte[10_000];
    byte[] logo = new byte[2_000];

    @BeforeEach
    void files() throws Exception {
        new Random(7).nextBytes(report);
        new Random(8).nextBytes(logo);
        Files.createDirectories(outbox.resolve("files"));
        Files.write(outbox.resolve("files/report.pdf"), report);
        Files.write(outbox.resolve("files/logo.png"), logo);
    }

    private OutgoingMessage note(String name, String text) throws Exception {
        return Mails.compose(name, text, outbox);
    }

    private String reason(String name, String text) {
        return reason(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private String reason(String name, byte[] bytes) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                () -> Mails.composer().compose(new Draft(name, bytes, outbox)));
        assertThat(thrown).as(name).isInstanceOf(InvalidDraftException.class);
        assertThat(thrown.getMessage()).doesNotContain("\n");
        return thrown.getMessage();
    }

    @Test
    void aTextNoteWithEveryHeader() throws Exception {
        OutgoingMessage sent = note("hello.txt", """
                To: bob@example.com, Zoë <zoe@example.org>
                to: "Doe, Jane" <jane@example.org>
                CC: carol@example.net
                Bcc: hidden@example.net
                From: Alice <alice@example.com>
                Reply-To: desk@example.com
                Subject: 你好, world
                X-Campaign: 2026-11
                Message-ID: <note-1@example.com>
                Attach: files/report.pdf

                Body text.
                Second line: with a colon.

                After a blank line.
                """);
        MimeMessage got = received(sent);
        assertThat(got.getSubject()).isEqualTo("你好, world");
        assertThat(got.getRecipients(Message.RecipientType.TO)).extracting(a -> ((InternetAddress) a).getAddress())
                .containsExactly("bob@example.com", "zoe@example.org", "jane@example.org");
        assertThat(((InternetAddress) got.getRecipients(Message.RecipientType.TO)[2]).getPersonal()).isEqualTo("Doe, Jane");
        assertThat(got.getRecipients(Message.RecipientType.CC)).extracting(Object::toString).containsExactly("carol@example.net");
        assertThat(latin1(transmitted(sent))).doesNotContain("hidden@example.net");
        assertThat(sent.envelopeRecipients()).extracting(InternetAddress::getAddress).contains("hidden@example.net");
        assertThat(((InternetAddress) got.getFrom()[0]).getAddress()).isEqualTo("alice@example.com");
        assertThat(got.getReplyTo()).extracting(Object::toString).containsExactly("desk@example.com");
        assertThat(got.getHeader("X-Campaign", null)).isEqualTo("2026-11");
        assertThat(got.getMessageID()).isEqualTo("<note-1@example.com>");
        assertThat(got.getContentType()).startsWith("multipart/mixed");
        assertThat(((String) part(got, 0).getContent()).replace("\r\n", "\n"))
                .isEqualTo("Body text.\nSecond line: with a colon.\n\nAfter a blank line.\n");
        assertThat(part(got, 1).getFileName()).isEqualTo("report.pdf");
        assertThat(bytesOf(part(got, 1))).isEqualTo(report);
    }

    @Test
    void aMarkdownNoteIsHtmlPlusTextWithInlineImagesByCid() throws Exception {
        MimeMessage got = received(note("news.md", """
                To: bob@example.com
                Subject: News
                Attach: files/logo.png
                Attach: files/report.pdf

                # News

                | a | b |
                |---|---|
                | 1 | 2 |

                ![logo](cid:logo.png) and [a link](https://example.org).
                """));
        // mixed[ related[ alternative[text, html], logo ], report ]
        assertThat(got.getContentType()).startsWith("multipart/mixed");
        assertThat(part(got, 0).getContentType()).startsWith("multipart/related");
        String text = ((String) part(got, 0, 0, 0).getContent()).replace("\r\n", "\n");
        String html = (String) part(got, 0, 0, 1).getContent();
        assertThat(text).isEqualTo("News\n\na | b\n1 | 2\n\n[logo] and a link <https://example.org>.");
        assertThat(html).contains("<h1>News</h1>", "<table>", "<img src=\"cid:logo.png\" alt=\"logo\" />");
        assertThat(part(got, 0, 1).getHeader("Content-ID")[0]).isEqualTo("<logo.png>");
        assertThat(part(got, 0, 1).getDisposition()).isEqualTo("inline");
        assertThat(bytesOf(part(got, 0, 1))).isEqualTo(logo);
        assertThat(part(got, 1).getFileName()).isEqualTo("report.pdf");
    }

    @Test
    void defaultsBomsCrlfAndContinuationLines() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] text = "To: bob@example.com,\r\n  carol@example.com\r\n\r\nhi\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, all, 0, 3);
        System.arraycopy(text, 0, all, 3, text.length);
        MimeMessage got = received(Mails.composer().compose(new Draft("Weekly report.txt", all, outbox)));
        assertThat(got.getSubject()).isEqualTo("Weekly report"); // no Subject: the file name without extension
        assertThat(got.getRecipients(Message.RecipientType.TO)).hasSize(2);
        assertThat(((InternetAddress) got.getFrom()[0]).getAddress()).isEqualTo("outbox@default.example");
        assertThat(got.getMessageID()).endsWith("@default.example>");
        assertThat(((String) got.getContent())).isEqualTo("hi\r\n");
        // headers only, no body
        assertThat(received(note("n.txt", "To: bob@example.com\nSubject: just this")).getContent()).isEqualTo("");
    }

    @Test
    void aNoteMustStartWithHeaders() {
        assertThat(reason("n.txt", "Hello Bob,\n\nthis has no headers")).isEqualTo(
                "line 1 is not a header line: \"Hello Bob,\"; a note starts with header lines such as \"To: bob@example.com\" "
                        + "and \"Subject: Hello\", then a blank line, then the body");
        assertThat(reason("n.txt", "\nTo: bob@example.com\n\nx")).startsWith("line 1 is blank before any header");
        assertThat(reason("n.md", "To: bob@example.com\nno blank line here\nbody")).startsWith(
                "line 2 is neither a header line (Name: value) nor the blank line that ends the headers: \"no blank line here\"");
        assertThat(reason("n.txt", "To: bob@example.com\nPriority: high\n\nx")).startsWith(
                "line 2: \"Priority\" is not a header a note can have; use To, Cc, Bcc, From, Reply-To, Subject, Attach");
        assertThat(reason("n.txt", "To: bob@example.com\nSubject: a\nsubject: b\n\nx"))
                .isEqualTo("the header \"subject\" is given twice (lines 2 and 3); give it once");
        assertThat(reason("n.txt", "Subject: hi\n\nx")).startsWith("the draft has no recipients: give at least one address in \"To\"");
    }

    @Test
    void badValuesAreNamedByHeaderAndLine() {
        assertThat(reason("n.txt", "Subject: x\nTo: bob@@example.org\n\nx"))
                .startsWith("\"To\" (line 2): \"bob@@example.org\" is not an email address");
        assertThat(reason("n.txt", "To: bob@example.org\nSubject: a\rBcc: victim@example.net\n\nx"))
                .startsWith("\"Subject\" (line 2): \"a\\rBcc: victim@example.net\" contains a carriage return (CR)");
        assertThat(reason("n.txt", "To: bob@example.org\nAttach: ../secret.txt\n\nx"))
                .startsWith("\"Attach\" (line 2): \"../secret.txt\" climbs out with \"..\"");
        assertThat(reason("n.txt", "To: bob@example.org\nAttach: /etc/passwd\n\nx")).contains("is an absolute path");
        assertThat(reason("n.txt", "To: bob@example.org\nAttach: files\n\nx")).contains("\"files\" is a folder");
        assertThat(reason("n.txt", "To: bob@example.org\nAttach: files/none.pdf\n\nx")).contains("does not exist");
        assertThat(reason("n.txt", "To: bob@example.org\nMessage-ID: nope\n\nx")).startsWith("\"Message-ID\" (line 2): \"nope\" is not a Message-ID");
        assertThat(reason("n.txt", new byte[] {'T', 'o', ':', ' ', 'b', '@', 'x', '.', 'o', '\n', '\n', (byte) 0xC3, 0x28}))
                .startsWith("the draft is not valid UTF-8 text: byte 0xC3 at offset 11");
        assertThat(reason("n.md", "To: bob@example.org\n\n" + ">".repeat(100_000) + " deep")).isNotEmpty();
    }
}
