package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.MailerOverSmtps;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Mail merge (SPEC §13) through the real routes to a real SMTPS server (GreenMail). */
class MergeOverSmtpsTest extends MailerOverSmtps {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path mergeFolder(String base) {
        return mailer.outbox.resolve(".sent").resolve(LocalDate.now().toString()).resolve(base);
    }

    private JsonNode awaitSummary(Path folder, String base) throws Exception {
        Path summary = folder.resolve(base + ".summary.json");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(summary));
        return JSON.readTree(summary.toFile());
    }

    @Test
    void aCsvBecomesOneCorrectMailPerRowWithItsOwnAttachment() throws Exception {
        Files.createDirectories(mailer.outbox.resolve("files/invoices"));
        Map<String, byte[]> pdfs = new HashMap<>();
        for (String invoice : List.of("INV-1", "INV-2", "INV-3")) {
            byte[] pdf = new byte[20_000 + invoice.hashCode() % 1000];
            new Random(invoice.hashCode()).nextBytes(pdf);
            pdfs.put(invoice, pdf);
            Files.write(mailer.outbox.resolve("files/invoices/" + invoice + ".pdf"), pdf);
        }
        // a BOM, non-ASCII names, a quoted comma, a quoted newline, a quoted quote, A&B <Ltd>
        String csv = "\uFEFFname,email,invoice,company,amount,note\r\n"
                + "Zoë Ångström,zoe@example.org,INV-1,\"A&B <Ltd>\",\"1,200.00\",\r\n"
                + "\"Doe, Jane\",jane@example.org,INV-2,Acme,99.90,\"Line one\r\nLine two\"\r\n"
                + "Renée Ünal,bob@example.org,INV-3,Bob's,5.00,\"He said \"\"hi\"\" {{name}}\"\r\n";
        Files.writeString(mailer.outbox.resolve("files/customers.csv"), csv, StandardCharsets.UTF_8);
        mailer.drop("invoices.merge.yaml", """
                template:
                  from: Billing <billing@example.com>
                  to: "{{name}} <{{email}}>"
                  subject: "Invoice {{invoice}} for {{company}}"
                  text: "Dear {{name}}, your invoice {{invoice}} over {{amount}} for {{company}} is attached.{{note}}"
                  html: "<p>Dear {{name}}, invoice for <b>{{company}}</b></p>"
                  headers: {X-Invoice: "{{invoice}}"}
                  attachments: [{path: "files/invoices/{{invoice}}.pdf"}]
                rows: files/customers.csv
                """);

        Path folder = mergeFolder("invoices");
        JsonNode summary = awaitSummary(folder, "invoices");
        assertThat(summary.get("rows").asInt()).isEqualTo(3);
        assertThat(summary.get("sent").asInt()).isEqualTo(3);
        assertThat(summary.get("failed")).isEmpty();
        assertThat(summary.get("startedAt").asText()).isNotBlank();
        assertThat(summary.get("finishedAt").asText()).isNotBlank();
        assertThat(folder.resolve("invoices.merge.yaml")).exists();
        assertThat(mailer.outbox.resolve("invoices.merge.yaml")).doesNotExist();

        List<MimeMessage> arrived = server.awaitMessages(3);
        Map<String, MimeMessage> byRecipient = new HashMap<>();
        for (MimeMessage m : arrived) {
            byRecipient.put(((InternetAddress) m.getRecipients(MimeMessage.RecipientType.TO)[0]).getAddress(), m);
        }
        assertThat(byRecipient).containsOnlyKeys("zoe@example.org", "jane@example.org", "bob@example.org");
        assertThat(arrived.stream().map(this::messageId).distinct()).hasSize(3);

        MimeMessage zoe = byRecipient.get("zoe@example.org");
        assertThat(((InternetAddress) zoe.getRecipients(MimeMessage.RecipientType.TO)[0]).getPersonal()).isEqualTo("Zoë Ångström");
        assertThat(zoe.getSubject()).isEqualTo("Invoice INV-1 for A&B <Ltd>");
        assertThat(zoe.getHeader("X-Invoice")).containsExactly("INV-1");
        assertThat(text(zoe, "text/plain")).isEqualTo("Dear Zoë Ångström, your invoice INV-1 over 1,200.00 for A&B <Ltd> is attached.");
        assertThat(text(zoe, "text/html")).contains("<b>A&amp;B &lt;Ltd&gt;</b>").doesNotContain("<Ltd>");

        MimeMessage jane = byRecipient.get("jane@example.org");
        assertThat(((InternetAddress) jane.getRecipients(MimeMessage.RecipientType.TO)[0]).getPersonal()).isEqualTo("Doe, Jane");
        assertThat(text(jane, "text/plain")).contains("99.90 for Acme is attached.Line one\r\nLine two");

        MimeMessage bob = byRecipient.get("bob@example.org");
        // a {{ in a value stays text: data is never a template
        assertThat(text(bob, "text/plain")).endsWith("attached.He said \"hi\" {{name}}");

        // each recipient got their own invoice, byte for byte
        for (Map.Entry<String, String> e : Map.of("zoe@example.org", "INV-1", "jane@example.org", "INV-2",
                "bob@example.org", "INV-3").entrySet()) {
            Part pdf = attachment(byRecipient.get(e.getKey()));
            assertThat(MimeUtility.decodeText(pdf.getFileName())).isEqualTo(e.getValue() + ".pdf");
            assertThat(pdf.getContentType()).startsWith("application/pdf");
            assertThat(pdf.getInputStream().readAllBytes()).isEqualTo(pdfs.get(e.getValue()));
        }

        // one receipt per row, under the Message-ID that arrived
        for (int row = 1; row <= 3; row++) {
            JsonNode receipt = JSON.readTree(folder.resolve("row-" + row + ".receipt.json").toFile());
            assertThat(receipt.get("row").asInt()).isEqualTo(row);
            assertThat(arrived.stream().map(this::messageId)).contains(receipt.get("messageId").asText());
        }
        // nothing of the run is left in .state
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(mailer.outbox.resolve(".state/merges"))
                || isEmpty(mailer.outbox.resolve(".state/merges")));
    }

    @Test
    void badRowsFailAloneWithTheirRowNumbers() throws Exception {
        mailer.drop("news.merge.json", """
                {"template": {"to": "{{email}}", "subject": "Hi {{name}}", "text": "Code {{code}}",
                              "attachments": [{"path": "files/{{file}}"}]},
                 "rows": [
                   {"email": "a@example.org", "name": "A", "code": "1", "file": "a.txt"},
                   {"email": "b@example.org", "name": "B", "file": "a.txt"},
                   {"email": "not an address", "name": "C", "code": "3", "file": "a.txt"},
                   {"email": "d@example.org", "name": "D", "code": "4", "file": "missing.txt"},
                   {"email": "e@example.org", "name": "E", "code": "5", "file": "a.txt"},
                   {"email": "f@example.org", "name": "F\\r\\nBcc: evil@example.org", "code": "6", "file": "a.txt"}
                 ]}
                """);
        Files.createDirectories(mailer.outbox.resolve("files"));
        Files.writeString(mailer.outbox.resolve("files/a.txt"), "hello");

        Path folder = mergeFolder("news");
        JsonNode summary = awaitSummary(folder, "news");
        assertThat(summary.get("rows").asInt()).isEqualTo(6);
        assertThat(summary.get("sent").asInt()).isEqualTo(2);
        Map<Integer, JsonNode> failed = new HashMap<>();
        summary.get("failed").forEach(f -> failed.put(f.get("row").asInt(), f));
        assertThat(failed).containsOnlyKeys(2, 3, 4, 6);
        assertThat(failed.get(6).get("reason").asText()).startsWith("row 6:").contains("single line");
        assertThat(failed.get(2).get("reason").asText()).startsWith("row 2:").contains("{{code}}");
        assertThat(failed.get(3).get("reason").asText()).startsWith("row 3:").contains("not an address");
        assertThat(failed.get(3).get("kind").asText()).isEqualTo("invalid-draft");
        assertThat(failed.get(4).get("reason").asText()).startsWith("row 4:").contains("files/missing.txt");
        assertThat(server.awaitMessages(2)).extracting(m -> m.getSubject()).containsExactlyInAnyOrder("Hi A", "Hi E");
        assertThat(folder.resolve("row-1.receipt.json")).exists();
        assertThat(folder.resolve("row-5.receipt.json")).exists();
        assertThat(folder.resolve("row-2.receipt.json")).doesNotExist();
    }

    @Test
    void aPreviewRendersEveryRowAndSendsNothing() throws Exception {
        mailer.drop("hello.merge.json", """
                {"preview": true,
                 "template": {"to": "{{email}}", "subject": "Hi {{name}}", "markdown": "Dear **{{name}}** of {{company}}"},
                 "rows": [{"email": "a@example.org", "name": "Zoë", "company": "A&B <Ltd> *x*"},
                          {"email": "b@example.org", "name": "Bo", "company": "C"}]}
                """);
        Path folder = mailer.outbox.resolve(".preview/hello");
        JsonNode summary = awaitSummary(folder, "hello");
        assertThat(summary.get("rows").asInt()).isEqualTo(2);
        assertThat(summary.get("previewed").asInt()).isEqualTo(2);
        assertThat(summary.get("sent").asInt()).isZero();
        MimeMessage first = new MimeMessage(null, new ByteArrayInputStream(Files.readAllBytes(folder.resolve("row-1.eml"))));
        assertThat(first.getSubject()).isEqualTo("Hi Zoë");
        assertThat(text(first, "text/html")).contains("<strong>Zoë</strong>").contains("A&amp;B &lt;Ltd&gt; *x*");
        assertThat(text(first, "text/plain")).contains("A&B <Ltd> *x*");
        assertThat(folder.resolve("row-2.eml")).exists();
        assertThat(folder.resolve("hello.merge.json")).exists();
        Thread.sleep(500);
        assertThat(server.received()).isEmpty();
    }

    @Test
    void anUnusableMergeDraftGoesToFailedWithItsReason() throws Exception {
        mailer.drop("broken.merge.json", "{\"template\": {\"to\": \"{{email}}\"}, \"rows\": \"files/nowhere.csv\"}");
        JsonNode error = mailer.awaitError("broken.merge.json");
        assertThat(error.get("reason").asText()).contains("\"rows\"").contains("files/nowhere.csv").contains("does not exist");
        mailer.drop("notemplate.merge.yaml", "rows: [{a: 1}]\n");
        assertThat(mailer.awaitError("notemplate.merge.yaml").get("reason").asText()).contains("no \"template\"");
        mailer.drop("badyaml.merge.yaml", "template: [unclosed\n");
        assertThat(mailer.awaitError("badyaml.merge.yaml").get("reason").asText()).contains("not valid YAML");
        Files.createDirectories(mailer.outbox.resolve("files"));
        Files.writeString(mailer.outbox.resolve("files/rows.txt"), "a,b\n1,2\n");
        mailer.drop("kind.merge.json", "{\"template\": {\"to\": \"x@example.org\"}, \"rows\": \"files/rows.txt\"}");
        assertThat(mailer.awaitError("kind.merge.json").get("reason").asText()).contains("not a rows file");
        mailer.drop("escape.merge.json", "{\"template\": {\"to\": \"x@example.org\"}, \"rows\": \"../outside.csv\"}");
        assertThat(mailer.awaitError("escape.merge.json").get("reason").asText()).contains("inside the outbox");
        assertThat(server.received()).isEmpty();
    }

    private String messageId(MimeMessage m) {
        try {
            return m.getMessageID();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isEmpty(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static String text(Part part, String type) throws Exception {
        List<Part> leaves = new ArrayList<>();
        leaves(part, leaves);
        for (Part p : leaves) {
            if (p.isMimeType(type) && p.getFileName() == null) {
                return (String) p.getContent();
            }
        }
        throw new AssertionError("no " + type + " part");
    }

    private static Part attachment(Part part) throws Exception {
        List<Part> leaves = new ArrayList<>();
        leaves(part, leaves);
        return leaves.stream().filter(p -> {
            try {
                return p.getFileName() != null;
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElseThrow();
    }

    private static void leaves(Part part, List<Part> out) throws Exception {
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart child = mp.getBodyPart(i);
                leaves(child, out);
            }
        } else {
            out.add(part);
        }
    }
}
