package dev.outboxmailer.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outboxmailer.compose.InvalidDraftException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merge draft and its template (SPEC §13): what a row renders to, and what is refused. */
class RowTemplateTest {
    @TempDir
    Path outbox;

    private MergeDraft read(String json) throws InvalidDraftException {
        return MergeDraft.read("t.merge.json", json.getBytes(StandardCharsets.UTF_8),
                new RowTemplate.Settings(outbox, 10_000_000));
    }

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void valuesAreEscapedInHtmlAndMarkdownOnly() throws Exception {
        MergeDraft draft = read("""
                {"template": {"to": "{{name}} <{{email}}>", "subject": "For {{company}}", "text": "T {{company}}",
                  "html": "<p>{{company}}</p>", "headers": {"X-Company": "{{company}}"}}, "rows": []}
                """);
        ObjectNode out = draft.template().render(row("name", "Doe, Jane", "email", "j@example.org", "company", "A&B <Ltd>"),
                "<m@example.com>");
        assertThat(out.get("to").asText()).isEqualTo("\"Doe, Jane\" <j@example.org>");
        assertThat(out.get("subject").asText()).isEqualTo("For A&B <Ltd>");
        assertThat(out.get("text").asText()).isEqualTo("T A&B <Ltd>");
        assertThat(out.get("html").asText()).isEqualTo("<p>A&amp;B &lt;Ltd&gt;</p>");
        assertThat(out.get("headers").get("X-Company").asText()).isEqualTo("A&B <Ltd>");
        assertThat(out.get("messageId").asText()).isEqualTo("<m@example.com>");

        MergeDraft unsub = read("""
                {"template": {"to": "x@example.org", "cc": ["{{a}}", "b@example.org"],
                  "unsubscribe": {"url": "https://example.com/u?id={{id}}&x=1", "mailto": "u+{{id}}@example.com"}}, "rows": []}
                """);
        ObjectNode u = unsub.template().render(row("a", "a@example.org", "id", "7&8"), null);
        assertThat(u.get("unsubscribe").get("url").asText()).isEqualTo("https://example.com/u?id=7&8&x=1");
        assertThat(u.get("unsubscribe").get("mailto").asText()).isEqualTo("u+7&8@example.com");
        assertThat(u.get("cc").get(0).asText()).isEqualTo("a@example.org");

        MergeDraft md = read("{\"template\": {\"to\": \"x@example.org\", \"markdown\": \"**{{v}}**\"}, \"rows\": []}");
        assertThat(md.template().render(row("v", "A&B <Ltd> *x* [l](u)"), null).get("markdown").asText())
                .isEqualTo("**A\\&B \\<Ltd\\> \\*x\\* \\[l\\]\\(u\\)**");
    }

    @Test
    void aValueIsNeverATemplateAndAMissingVariableIsAnError() throws Exception {
        MergeDraft draft = read("{\"template\": {\"to\": \"x@example.org\", \"text\": \"{{a}} {{b.c}}\"}, \"rows\": []}");
        assertThat(draft.template().render(row("a", "{{b.c}}", "b", Map.of("c", 42)), null).get("text").asText())
                .isEqualTo("{{b.c}} 42");
        assertThatThrownBy(() -> draft.template().render(row("a", "1"), null))
                .isInstanceOf(RowTemplate.RowException.class).hasMessageContaining("\"template.text\" uses {{b.c}}");
        assertThatThrownBy(() -> draft.template().render(row("b", Map.of("c", 1)), null))
                .hasMessageContaining("{{a}}");
    }

    @Test
    void sectionsAndListsWorkLogicLess() throws Exception {
        MergeDraft draft = read("""
                {"template": {"to": "x@example.org", "text": "{{#vip}}VIP {{/vip}}{{#items}}[{{.}}]{{/items}}{{^items}}none{{/items}}"},
                 "rows": []}
                """);
        assertThat(draft.template().render(row("vip", true, "items", List.of("a", "b")), null).get("text").asText())
                .isEqualTo("VIP [a][b]");
        assertThat(draft.template().render(row("vip", false, "items", List.of()), null).get("text").asText())
                .isEqualTo("none");
    }

    @Test
    void attachmentsAreRenderedReadFromTheOutboxAndEmbedded() throws Exception {
        Files.createDirectories(outbox.resolve("files"));
        Files.write(outbox.resolve("files/INV-7.pdf"), new byte[] {1, 2, 3});
        MergeDraft draft = read("""
                {"template": {"to": "x@example.org", "attachments": [{"path": "files/{{invoice}}.pdf", "name": "Rechnung {{invoice}}.pdf"}]},
                 "rows": []}
                """);
        ObjectNode out = draft.template().render(row("invoice", "INV-7"), null);
        var a = out.get("attachments").get(0);
        assertThat(a.has("path")).isFalse();
        assertThat(a.get("name").asText()).isEqualTo("Rechnung INV-7.pdf");
        assertThat(a.get("contentType").asText()).isEqualTo("application/pdf");
        assertThat(Base64.getDecoder().decode(a.get("content").asText())).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> draft.template().render(row("invoice", "INV-8"), null))
                .hasMessageContaining("\"attachments[0].path\": \"files/INV-8.pdf\" does not exist");
        assertThatThrownBy(() -> draft.template().render(row("invoice", "../../etc/passwd"), null))
                .hasMessageContaining("climbs out");
    }

    @Test
    void unusableMergeDraftsAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> read("{\"rows\": []}")).hasMessageContaining("no \"template\"");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\"}}")).hasMessageContaining("no \"rows\"");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\", \"sujet\": \"y\"}, \"rows\": []}"))
                .hasMessageContaining("the template: unknown field \"sujet\"");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\"}, \"rows\": [], \"extra\": 1}"))
                .hasMessageContaining("unknown field \"extra\"");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\", \"messageId\": \"<a@b>\"}, \"rows\": []}"))
                .hasMessageContaining("own Message-ID");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\", \"text\": \"{{> other}}\"}, \"rows\": []}"))
                .hasMessageContaining("partials");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\", \"text\": \"{{#a}} open\"}, \"rows\": []}"))
                .hasMessageContaining("\"template.text\" is not a usable Mustache template");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\"}, \"rows\": \"files/x.xlsx\"}"))
                .hasMessageContaining("not a rows file");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\"}, \"rows\": [1]}"))
                .hasMessageContaining("\"rows[0]\" (row 1) must be an object");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\"}, \"rows\": [], \"preview\": \"yes\"}"))
                .hasMessageContaining("\"preview\" must be true or false");
        assertThatThrownBy(() -> read("{\"template\": {\"to\": \"x\"")).hasMessageContaining("not valid JSON");
    }
}
