package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.MailerOverSmtps;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * JSON and YAML envelopes (SPEC §4.2) through the real routes to a real SMTPS server, read back the way
 * a mail client reads them (SPEC §4.5).
 */
class EnvelopeOverSmtpsTest extends MailerOverSmtps {

    @Test
    void aJsonEnvelopeArrivesAsAClientShowsIt() throws Exception {
        byte[] pdf = randomBytes(300_000, 1);
        byte[] logo = randomBytes(5_000, 2);
        Files.createDirectories(mailer.outbox.resolve("files"));
        Files.write(mailer.outbox.resolve("files/report.pdf"), pdf);
        Files.write(mailer.outbox.resolve("files/logo.png"), logo);
        String draft = """
                {
                  "from": "Alice Example <alice@example.com>",
                  "to": ["bob@example.org", "Zoë Ångström <zoe@example.org>"],
                  "cc": "carol@example.org",
                  "bcc": ["hidden@example.net"],
                  "replyTo": "desk@example.com",
                  "subject": "季度报告 — Q3",
                  "text": "plain body, naïve café",
                  "html": "<p>html body <img src=\\"cid:logo\\"></p>",
                  "attachments": [
                    {"path": "files/report.pdf", "name": "报告.pdf", "contentType": "application/pdf"},
                    {"content": "%s", "name": "hello.txt"},
                    {"path": "files/logo.png", "inline": true, "cid": "logo"}
                  ],
                  "headers": {"X-Campaign": "2026-11"}
                }
                """.formatted(Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8)));
        mailer.drop("report.json", draft);

        JsonNode receipt = mailer.awaitReceipt("report.json");
        List<MimeMessage> arrived = server.awaitMessages(4); // bob, zoe, carol, hidden
        MimeMessage m = arrived.get(0);

        assertThat(m.getSubject()).isEqualTo("季度报告 — Q3");
        assertThat(m.getHeader("Subject")[0]).startsWith("=?UTF-8?");
        InternetAddress zoe = (InternetAddress) m.getRecipients(MimeMessage.RecipientType.TO)[1];
        assertThat(zoe.getPersonal()).isEqualTo("Zoë Ångström");
        assertThat(zoe.getAddress()).isEqualTo("zoe@example.org");
        assertThat(((InternetAddress) m.getFrom()[0]).getPersonal()).isEqualTo("Alice Example");
        assertThat(m.getReplyTo()[0].toString()).isEqualTo("desk@example.com");
        assertThat(m.getHeader("X-Campaign")).containsExactly("2026-11");
        assertThat(m.getHeader("Bcc")).isNull();
        assertThat(m.getMessageID()).endsWith("@example.com>").isEqualTo(receipt.get("messageId").asText());
        assertThat(m.getHeader("Date")).isNotNull();
        assertThat(receipt.get("recipients")).hasSize(4);

        // every byte on the wire is 7-bit
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        m.writeTo(raw);
        for (byte b : raw.toByteArray()) {
            assertThat(b & 0xff).isLessThan(128);
        }

        List<Part> leaves = new ArrayList<>();
        collectLeaves(m, leaves);
        Part text = find(leaves, "text/plain", null);
        Part html = find(leaves, "text/html", null);
        assertThat(text.getContent()).isEqualTo("plain body, naïve café");
        assertThat((String) html.getContent()).contains("cid:logo");
        assertThat(text.getContentType()).containsIgnoringCase("charset=UTF-8");

        Part report = leaves.stream().filter(p -> "报告.pdf".equals(decodedName(p))).findFirst().orElseThrow();
        assertThat(report.getContentType()).startsWith("application/pdf");
        assertThat(report.getInputStream().readAllBytes()).isEqualTo(pdf);
        assertThat(new String(raw.toByteArray(), StandardCharsets.US_ASCII)).contains("filename*=UTF-8''");

        Part hello = leaves.stream().filter(p -> "hello.txt".equals(decodedName(p))).findFirst().orElseThrow();
        assertThat(hello.getInputStream().readAllBytes()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));

        Part image = leaves.stream().filter(p -> headerOf(p, "Content-ID") != null).findFirst().orElseThrow();
        assertThat(headerOf(image, "Content-ID")).isEqualTo("<logo>");
        assertThat(image.getInputStream().readAllBytes()).isEqualTo(logo);
        // the inline image and the html it belongs to share one multipart/related
        assertThat(relatedParentOf(m, image)).isTrue();

        // the alternative holds text then html
        assertThat(containsType(m, "multipart/alternative")).isTrue();
    }

    @Test
    void aYamlEnvelopeIsSentToo() throws Exception {
        mailer.drop("note.yaml", """
                from: Équipe <team@example.com>
                to: bob@example.org, "Doe, Jane" <jane@example.org>
                subject: Grüße aus der YAML-Datei
                text: |
                  Zeile eins
                  Zeile zwei
                """);
        JsonNode receipt = mailer.awaitReceipt("note.yaml");
        MimeMessage m = server.awaitMessages(2).get(0);
        assertThat(m.getSubject()).isEqualTo("Grüße aus der YAML-Datei");
        assertThat(((InternetAddress) m.getFrom()[0]).getPersonal()).isEqualTo("Équipe");
        assertThat(((InternetAddress) m.getRecipients(MimeMessage.RecipientType.TO)[1]).getPersonal()).isEqualTo("Doe, Jane");
        // (the last line break is absorbed by SMTP's end-of-data marker at the server)
        assertThat(((String) m.getContent()).replace("\r\n", "\n").stripTrailing()).isEqualTo("Zeile eins\nZeile zwei");
        assertThat(receipt.get("recipients")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("bob@example.org", "jane@example.org");
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void collectLeaves(Part part, List<Part> leaves) throws Exception {
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                collectLeaves(mp.getBodyPart(i), leaves);
            }
        } else {
            leaves.add(part);
        }
    }

    static Part find(List<Part> leaves, String type, String name) throws Exception {
        for (Part p : leaves) {
            if (p.isMimeType(type) && p.getFileName() == null && (name == null || name.equals(p.getFileName()))) {
                return p;
            }
        }
        throw new AssertionError("no " + type + " part");
    }

    static String decodedName(Part p) {
        try {
            String name = p.getFileName();
            return name == null ? null : MimeUtility.decodeText(name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String headerOf(Part p, String name) {
        try {
            String[] values = p.getHeader(name);
            return values == null ? null : values[0];
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean relatedParentOf(Part root, Part image) throws Exception {
        if (!root.isMimeType("multipart/*")) {
            return false;
        }
        Multipart mp = (Multipart) root.getContent();
        for (int i = 0; i < mp.getCount(); i++) {
            BodyPart child = mp.getBodyPart(i);
            if (child == image) {
                return root.isMimeType("multipart/related") && containsType(root, "text/html");
            }
            if (relatedParentOf(child, image)) {
                return true;
            }
        }
        return false;
    }

    static boolean containsType(Part part, String type) throws Exception {
        if (part.isMimeType(type)) {
            return true;
        }
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                if (containsType(mp.getBodyPart(i), type)) {
                    return true;
                }
            }
        }
        return false;
    }
}
