package dev.outboxmailer.compose;

import static dev.outboxmailer.compose.Mails.bytesOf;
import static dev.outboxmailer.compose.Mails.compose;
import static dev.outboxmailer.compose.Mails.latin1;
import static dev.outboxmailer.compose.Mails.part;
import static dev.outboxmailer.compose.Mails.received;
import static dev.outboxmailer.compose.Mails.transmitted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Message;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvelopeDraftTest {

    @TempDir
    Path outbox;

    byte[] report;
    byte[] logo;
    byte[] big;
    byte[] hello = "hello\nworld\r\nlf and crlf\n".getBytes();

    @BeforeEach
    void files() throws Exception {
        Random random = new Random(42);
        report = new byte[20_000];
        logo = new byte[3_000];
        big = new byte[300 * 1024];
        random.nextBytes(report);
        random.nextBytes(logo);
        random.nextBytes(big);
        Files.createDirectories(outbox.resolve("files"));
        Files.write(outbox.resolve("files/report.pdf"), report);
        Files.write(outbox.resolve("files/logo.png"), logo);
        Files.write(outbox.resolve("files/big.bin"), big);
    }

    private String fullDraft() {
        return """
            {
              "from": "Alice Example <alice@example.com>",
              "to": ["bob@example.com", "Zoë <zoe@example.org>"],
              "cc": "carol@example.net, Bob Again <BOB@example.com>",
              "bcc": ["secret@example.net"],
              "replyTo": "desk@example.com",
              "subject": "季度报告 — Q3",
              "text": "plain body, grüße",
              "html": "<p>html body <img src=\\"cid:logo\\"></p>",
              "attachments": [
                {"path": "files/report.pdf", "name": "报告.pdf", "contentType": "application/pdf"},
                {"content": "%s", "name": "hello.txt"},
                {"path": "files/logo.png", "inline": true, "cid": "logo"},
                {"path": "files/big.bin"}
              ],
              "headers": {"X-Campaign": "2026-11", "X-Note": "für alle"}
            }
            """.formatted(Base64.getEncoder().encodeToString(hello));
    }

    @Test
    void aFullEnvelopeArrivesAsTheRecipientExpects() throws Exception {
        OutgoingMessage sent = compose("report.json", fullDraft(), outbox);
        byte[] wire = transmitted(sent);
        String raw = latin1(wire);
        MimeMessage got = received(sent);

        // the subject and display names are RFC 2047 encoded-words on the wire and decode back
        assertThat(got.getSubject()).isEqualTo("季度报告 — Q3");
        assertThat(raw).containsPattern("(?m)^Subject: =\\?UTF-8\\?[BQ]\\?");
        InternetAddress zoe = (InternetAddress) got.getRecipients(Message.RecipientType.TO)[1];
        assertThat(zoe.getPersonal()).isEqualTo("Zoë");
        assertThat(zoe.getAddress()).isEqualTo("zoe@example.org");
        assertThat(raw).containsPattern("(?m)^To: .*=\\?UTF-8\\?[BQ]\\?");
        assertThat(((InternetAddress) got.getFrom()[0]).getPersonal()).isEqualTo("Alice Example");
        assertThat(got.getReplyTo()).extracting(a -> ((InternetAddress) a).getAddress()).containsExactly("desk@example.com");
        assertThat(got.getHeader("X-Campaign", null)).isEqualTo("2026-11");
        assertThat(MimeUtility.decodeText(got.getHeader("X-Note", null))).isEqualTo("für alle");

        // everything on the wire is 7-bit
        for (byte b : wire) {
            assertThat(b & 0xFF).isLessThan(0x80);
        }

        // Bcc: on the envelope, never in the bytes, whichever way they are written
        assertThat(raw).doesNotContainPattern("(?im)^bcc:").doesNotContain("secret@example.net");
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        sent.writeTo(plain);
        assertThat(latin1(plain.toByteArray())).doesNotContain("secret@example.net");
        assertThat(sent.envelopeRecipients()).extracting(InternetAddress::getAddress)
                .containsExactly("bob@example.com", "zoe@example.org", "carol@example.net", "secret@example.net");

        // Date and a Message-ID on the sender's domain
        assertThat(got.getSentDate()).isNotNull();
        assertThat(got.getMessageID()).matches("<[0-9a-f-]{36}@example\\.com>");
        assertThat(got.getHeader("MIME-Version", null)).isEqualTo("1.0");

        // mixed[ related[ alternative[text, html], logo ], report, hello, big ]
        assertThat(got.getContentType()).startsWith("multipart/mixed");
        Part related = part(got, 0);
        assertThat(related.getContentType()).startsWith("multipart/related");
        assertThat(new jakarta.mail.internet.ContentType(related.getContentType()).getParameter("type"))
                .isEqualTo("multipart/alternative");
        Part alternative = part(got, 0, 0);
        assertThat(alternative.getContentType()).startsWith("multipart/alternative");
        Part text = part(got, 0, 0, 0);
        Part html = part(got, 0, 0, 1);
        assertThat(text.isMimeType("text/plain")).isTrue();
        assertThat(text.getContentType()).containsIgnoringCase("charset=UTF-8");
        assertThat(text.getContent()).isEqualTo("plain body, grüße");
        assertThat(html.isMimeType("text/html")).isTrue();
        assertThat((String) html.getContent()).contains("cid:logo");

        Part inline = part(got, 0, 1);
        assertThat(inline.getHeader("Content-ID")).containsExactly("<logo>");
        assertThat(inline.getDisposition()).isEqualTo(Part.INLINE);
        assertThat(inline.isMimeType("image/png")).isTrue();
        assertThat(bytesOf(inline)).isEqualTo(logo);

        Part pdf = part(got, 1);
        assertThat(pdf.isMimeType("application/pdf")).isTrue();
        assertThat(pdf.getDisposition()).isEqualTo(Part.ATTACHMENT);
        assertThat(pdf.getFileName()).isEqualTo("报告.pdf");
        assertThat(raw).contains("filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf");
        assertThat(raw).contains("name*=UTF-8''%E6%8A%A5%E5%91%8A.pdf");
        assertThat(bytesOf(pdf)).isEqualTo(report);

        Part helloPart = part(got, 2);
        assertThat(helloPart.getFileName()).isEqualTo("hello.txt");
        assertThat(helloPart.isMimeType("text/plain")).isTrue();
        assertThat(bytesOf(helloPart)).isEqualTo(hello); // line endings too

        Part bigPart = part(got, 3);
        assertThat(bigPart.getFileName()).isEqualTo("big.bin");
        assertThat(bigPart.isMimeType("application/octet-stream")).isTrue();
        assertThat(bytesOf(bigPart)).isEqualTo(big);
    }

    @Test
    void theSameEnvelopeInYaml() throws Exception {
        String yaml = """
            from: Alice Example <alice@example.com>
            to:
              - bob@example.com
              - Zoë <zoe@example.org>
            bcc: hidden@example.net
            subject: 季度报告 — Q3
            text: |
              plain body
            html: <p>html body <img src="cid:logo"></p>
            attachments:
              - path: files/logo.png
                inline: true
                cid: logo
              - content: aGVsbG8=
                name: hello.txt
            headers:
              X-Campaign: 2026-11
            messageId: <given-1@example.com>
            """;
        OutgoingMessage sent = compose("report.YML", yaml, outbox);
        MimeMessage got = received(sent);
        assertThat(got.getSubject()).isEqualTo("季度报告 — Q3");
        assertThat(got.getMessageID()).isEqualTo("<given-1@example.com>");
        assertThat(got.getHeader("X-Campaign", null)).isEqualTo("2026-11");
        assertThat(got.getContentType()).startsWith("multipart/mixed");
        assertThat(part(got, 0).getContentType()).startsWith("multipart/related");
        assertThat(part(got, 0, 0).getContentType()).startsWith("multipart/alternative");
        assertThat(bytesOf(part(got, 0, 1))).isEqualTo(logo);
        assertThat(bytesOf(part(got, 1))).isEqualTo("hello".getBytes());
        assertThat(sent.envelopeRecipients()).extracting(InternetAddress::getAddress)
                .containsExactly("bob@example.com", "zoe@example.org", "hidden@example.net");
        assertThat(latin1(transmitted(sent))).doesNotContain("hidden@example.net");
    }

    @Test
    void onlyTheNeededLevels() throws Exception {
        MimeMessage textOnly = received(compose("a.json", "{\"to\": \"bob@example.com\", \"text\": \"hi ✓\"}"));
        assertThat(textOnly.isMimeType("text/plain")).isTrue();
        assertThat(textOnly.getContent()).isEqualTo("hi ✓");

        // html alone gets a plain-text alternative made from it
        MimeMessage htmlOnly = received(compose("a.json", "{\"to\": \"bob@example.com\", \"html\": \"<b>hi</b> <a href='https://example.org/x'>there</a>\"}"));
        assertThat(htmlOnly.getContentType()).startsWith("multipart/alternative");
        assertThat(part(htmlOnly, 0).getContent()).isEqualTo("hi there <https://example.org/x>");
        assertThat(part(htmlOnly, 1).isMimeType("text/html")).isTrue();

        MimeMessage both = received(compose("a.json", "{\"to\": \"bob@example.com\", \"text\": \"hi\", \"html\": \"<b>hi</b>\"}"));
        assertThat(both.getContentType()).startsWith("multipart/alternative");
        assertThat(part(both, 0).isMimeType("text/plain")).isTrue();
        assertThat(part(both, 1).isMimeType("text/html")).isTrue();

        MimeMessage htmlInline = received(compose("a.json", """
            {"to": "bob@example.com", "html": "<img src=\\"cid:logo\\">",
             "attachments": [{"path": "files/logo.png", "inline": true, "cid": "logo"}]}""", outbox));
        assertThat(htmlInline.getContentType()).startsWith("multipart/related");
        assertThat(new jakarta.mail.internet.ContentType(htmlInline.getContentType()).getParameter("type"))
                .isEqualTo("multipart/alternative");
        assertThat(part(htmlInline, 0, 1).isMimeType("text/html")).isTrue();
        assertThat(bytesOf(part(htmlInline, 1))).isEqualTo(logo);

        MimeMessage noBody = received(compose("a.json", """
            {"to": "bob@example.com", "attachments": [{"content": "aGk=", "name": "hi.txt"}]}"""));
        assertThat(noBody.getContentType()).startsWith("multipart/mixed");
        assertThat(part(noBody, 0).isMimeType("text/plain")).isTrue();
    }

    @Test
    void markdownIsRenderedToHtmlWithAPlainTextAlternative() throws Exception {
        String markdown = """
            # Title

            Some *emphasis* and a [link](https://example.org/a?b=1&c=2).

            | Item | Qty |
            | ---- | --: |
            | Äpfel | 3 |
            | Pears | 12 |

            ```
            code  keeps   its spaces
              and <lines>
            ```

            - one
            - two

            ![the logo](cid:logo)
            """;
        MimeMessage got = received(compose("a.json", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                java.util.Map.of("to", "bob@example.com", "markdown", markdown,
                        "attachments", java.util.List.of(java.util.Map.of("path", "files/logo.png", "cid", "logo")))), outbox));
        assertThat(got.getContentType()).startsWith("multipart/related");
        String text = (String) part(got, 0, 0).getContent();
        String html = ((String) part(got, 0, 1).getContent()).replace("\r\n", "\n");
        assertThat(part(got, 0, 1).isMimeType("text/html")).isTrue();
        assertThat(html).contains("<h1>Title</h1>", "<em>emphasis</em>", "<a href=\"https://example.org/a?b=1&amp;c=2\">link</a>",
                "<table>", "<td>Äpfel</td>", "<pre><code>code  keeps   its spaces\n  and &lt;lines&gt;\n</code></pre>",
                "<li>one</li>", "<img src=\"cid:logo\" alt=\"the logo\" />");
        assertThat(text.replace("\r\n", "\n")).isEqualTo("""
            Title

            Some emphasis and a link <https://example.org/a?b=1&c=2>.

            Item | Qty
            Äpfel | 3
            Pears | 12

            code  keeps   its spaces
              and <lines>

            - one
            - two

            [the logo]""");
        assertThat(bytesOf(part(got, 1))).isEqualTo(logo);
    }

    @Test
    void htmlAndMarkdownTogetherAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> compose("a.json",
                        "{\"to\": \"bob@example.com\", \"html\": \"<p>x</p>\", \"markdown\": \"x\"}"))
                .hasMessageContaining("both \"html\" and \"markdown\"");
    }

    @Test
    void fromFallsBackToMailFromAndTheMessageIdFollowsIt() throws Exception {
        MimeMessage got = received(compose("a.json", "{\"to\": \"bob@example.com\", \"subject\": \"hi\"}"));
        assertThat(((InternetAddress) got.getFrom()[0]).getAddress()).isEqualTo("outbox@default.example");
        assertThat(got.getMessageID()).endsWith("@default.example>");
    }

    @Test
    void longNonAsciiSubjectsAndNamesStayFoldedAndDecodable() throws Exception {
        String subject = "季度报告 ".repeat(30) + "end";
        String name = "很长的文件名".repeat(12) + ".pdf";
        OutgoingMessage sent = compose("a.json", """
            {"to": "Zoë Ünïcødé-Name <zoe@example.org>", "subject": "%s", "text": "x",
             "attachments": [{"content": "aGk=", "name": "%s"}]}""".formatted(subject, name));
        String raw = latin1(transmitted(sent));
        for (String line : raw.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
        MimeMessage got = received(sent);
        assertThat(got.getSubject()).isEqualTo(subject);
        assertThat(part(got, 1).getFileName()).isEqualTo(name);
        assertThat(((InternetAddress) got.getRecipients(Message.RecipientType.TO)[0]).getPersonal())
                .isEqualTo("Zoë Ünïcødé-Name");
    }

    @Test
    void aNonAsciiMailFromIsEncodedToo() throws Exception {
        // parsed from configuration text, its display name is raw "Zoë" until re-encoded
        Composer composer = new Composer(new ComposeSettings(new InternetAddress("Zoë <zoe@example.org>"), java.util.List.of(), Mails.MAX));
        OutgoingMessage sent = composer.compose(new Draft("a.json", "{\"to\": \"bob@example.com\"}".getBytes(), null));
        String raw = latin1(transmitted(sent));
        assertThat(raw).containsPattern("(?m)^From: =\\?UTF-8\\?[BQ]\\?");
        assertThat(((InternetAddress) received(sent).getFrom()[0]).getPersonal()).isEqualTo("Zoë");
        assertThat(sent.getMessageID()).endsWith("@example.org>");
    }

    @Test
    void longLinesAndNonAsciiBodiesUseSevenBitSafeEncodings() throws Exception {
        String html = "<p>" + "x".repeat(3000) + "</p>";
        String text = "ünïcødé ".repeat(500);
        OutgoingMessage sent = compose("a.json", "{\"to\": \"bob@example.com\", \"text\": \"%s\", \"html\": \"%s\"}"
                .formatted(text, html));
        byte[] wire = transmitted(sent);
        for (byte b : wire) {
            assertThat(b & 0xFF).isLessThan(0x80);
        }
        for (String line : latin1(wire).split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
        assertThat(latin1(wire)).doesNotContainIgnoringCase("Content-Transfer-Encoding: 8bit");
        MimeMessage got = received(sent);
        assertThat(part(got, 0).getContent()).isEqualTo(text);
        assertThat(part(got, 1).getContent()).isEqualTo(html);
    }

    @Test
    void theMimeSessionEncodesInUtf8WithRfc2231Parameters() {
        var properties = new Composer(new ComposeSettings(null, java.util.List.of(), 1)).mimeSession().getProperties();
        assertThat(properties.getProperty("mail.mime.charset")).isEqualTo("UTF-8");
        assertThat(properties.getProperty("mail.mime.encodeparameters")).isEqualTo("true");
        assertThat(properties.getProperty("mail.mime.splitlongparameters")).isEqualTo("true");
    }
}
