package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.MailerOverSmtps;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Notes (SPEC §4.3), bare files (§4.4), html-only bodies and a 10,000-character subject, through the
 * real routes to a real SMTPS server, read back as a mail client reads them.
 */
class NotesAndBareFilesOverSmtpsTest extends MailerOverSmtps {
    @Override
    protected Map<String, String> settings() {
        Map<String, String> settings = super.settings();
        settings.put("mail.to", "Ops Desk <ops@example.org>");
        return settings;
    }

    @BeforeEach
    void prepare() throws Exception {
        Files.createDirectories(mailer.outbox.resolve("files"));
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] bytesOf(Part part) throws Exception {
        try (var in = part.getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static Part part(Part parent, int... path) throws Exception {
        Part current = parent;
        for (int i : path) {
            current = ((Multipart) current.getContent()).getBodyPart(i);
        }
        return current;
    }

    @Test
    void aMarkdownNoteWithAnInlineImageAndAnAttachment() throws Exception {
        byte[] logo = random(4_000, 1);
        byte[] report = random(50_000, 2);
        Files.write(mailer.outbox.resolve("files/logo.png"), logo);
        Files.write(mailer.outbox.resolve("files/report.pdf"), report);
        mailer.drop("weekly.md", """
                To: Bob <bob@example.org>, "Doe, Jane" <jane@bücher.example>
                Cc: carol@example.org
                Bcc: hidden@example.net
                Subject: Wochenbericht — KW 48
                X-Campaign: weekly
                Attach: files/logo.png
                Attach: files/report.pdf

                # This week

                | Team | Done |
                |------|-----:|
                | Ops  | 12   |

                ![logo](cid:logo.png) See [the dashboard](https://example.org/d).
                """);
        JsonNode receipt = mailer.awaitReceipt("weekly.md");
        assertThat(receipt.get("recipients")).extracting(JsonNode::asText)
                .containsExactly("bob@example.org", "jane@xn--bcher-kva.example", "carol@example.org", "hidden@example.net");

        List<MimeMessage> got = server.awaitMessages(4); // one copy per recipient
        MimeMessage m = got.get(0);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        m.writeTo(raw);
        assertThat(raw.toString(StandardCharsets.ISO_8859_1)).doesNotContain("hidden@example.net");
        assertThat(m.getSubject()).isEqualTo("Wochenbericht — KW 48");
        assertThat(m.getRecipients(Message.RecipientType.TO)).extracting(a -> ((InternetAddress) a).getPersonal())
                .containsExactly("Bob", "Doe, Jane");
        assertThat(m.getHeader("X-Campaign", null)).isEqualTo("weekly");
        assertThat(m.getMessageID()).endsWith("@example.com>"); // mail.from's domain
        assertThat(m.getContentType()).startsWith("multipart/mixed");
        String text = ((String) part(m, 0, 0, 0).getContent()).replace("\r\n", "\n");
        assertThat(text).isEqualTo("This week\n\nTeam | Done\nOps | 12\n\n[logo] See the dashboard <https://example.org/d>.");
        assertThat((String) part(m, 0, 0, 1).getContent()).contains("<table>", "<img src=\"cid:logo.png\"");
        assertThat(bytesOf(part(m, 0, 1))).isEqualTo(logo);
        assertThat(bytesOf(part(m, 1))).isEqualTo(report);
    }

    @Test
    void aTextNoteAndABareFile() throws Exception {
        byte[] pdf = ("%PDF-1.7\n" + "x".repeat(2000)).getBytes(StandardCharsets.ISO_8859_1);
        mailer.drop("hello.txt", "\uFEFFTo: bob@example.org\r\nSubject: 你好, world\r\n\r\nPlain body.\r\n");
        mailer.awaitReceipt("hello.txt");
        MimeMessage note = server.awaitMessages(1).get(0);
        assertThat(note.getSubject()).isEqualTo("你好, world");
        assertThat(note.isMimeType("text/plain")).isTrue();
        assertThat(((String) note.getContent()).strip()).isEqualTo("Plain body.");

        server.reset();
        mailer.drop("Quartalsbericht Q3.pdf", pdf);
        JsonNode receipt = mailer.awaitReceipt("Quartalsbericht Q3.pdf");
        assertThat(receipt.get("recipients")).extracting(JsonNode::asText).containsExactly("ops@example.org");
        MimeMessage bare = server.awaitMessages(1).get(0);
        assertThat(bare.getSubject()).isEqualTo("Quartalsbericht Q3.pdf");
        assertThat(part(bare, 0).getContent()).isEqualTo("Quartalsbericht Q3.pdf is attached.");
        assertThat(part(bare, 1).getFileName()).isEqualTo("Quartalsbericht Q3.pdf");
        assertThat(part(bare, 1).isMimeType("application/pdf")).isTrue();
        assertThat(bytesOf(part(bare, 1))).isEqualTo(pdf);
    }

    @Test
    void aTenThousandCharacterSubjectIsFoldedAndArrivesWhole() throws Exception {
        String subject = "Q".repeat(4_000) + " " + "ü".repeat(3_000) + " " + "z".repeat(2_998);
        assertThat(subject).hasSize(10_000);
        mailer.drop("long.json", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                Map.of("to", "bob@example.org", "subject", subject, "html", "<p>only <b>html</b></p>")));
        mailer.awaitReceipt("long.json");
        MimeMessage m = server.awaitMessages(1).get(0);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        m.writeTo(raw);
        String wire = raw.toString(StandardCharsets.ISO_8859_1);
        for (String line : wire.substring(0, wire.indexOf("\r\n\r\n")).split("\r\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
        }
        assertThat(m.getSubject()).isEqualTo(subject);
        // an html-only body gets its plain-text alternative
        assertThat(m.getContentType()).startsWith("multipart/alternative");
        assertThat(part(m, 0).getContent()).isEqualTo("only html");
    }
}
