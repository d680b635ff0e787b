package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.internet.MimeUtility;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The envelope's unsubscribe field and a note's List-Unsubscribe header (SPEC §12, RFC 2369, RFC 8058). */
class UnsubscribeTest {

    private static String reason(String name, String text) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                () -> Mails.composer().compose(new Draft(name, text.getBytes(StandardCharsets.UTF_8), null)));
        assertThat(thrown).as("draft %s", name).isInstanceOf(InvalidDraftException.class);
        assertThat(thrown.getMessage()).doesNotContain("Exception").doesNotContain("\n");
        return thrown.getMessage();
    }

    private static String json(String unsubscribe) {
        return reason("d.json", "{\"to\": \"bob@example.com\", \"text\": \"x\", \"unsubscribe\": " + unsubscribe + "}");
    }

    private static String header(OutgoingMessage m, String name) throws Exception {
        String v = m.getHeader(name, ",");
        return v == null ? null : MimeUtility.unfold(v);
    }

    @Test
    void anHttpsUrlAndAMailtoBecomeBothHeaders() throws Exception {
        OutgoingMessage m = Mails.compose("d.json", """
                {"to": "bob@example.com", "text": "x",
                 "unsubscribe": {"url": "https://example.com/u?id=1&l=a", "mailto": "leave@example.com"}}""");
        assertThat(header(m, "List-Unsubscribe")).isEqualTo("<https://example.com/u?id=1&l=a>, <mailto:leave@example.com>");
        assertThat(header(m, "List-Unsubscribe-Post")).isEqualTo("List-Unsubscribe=One-Click");
    }

    @Test
    void aMailtoAloneHasNoOneClickHeader() throws Exception {
        OutgoingMessage m = Mails.compose("d.yaml", """
                to: bob@example.com
                text: x
                unsubscribe:
                  mailto: "mailto:leave@example.com?subject=unsubscribe"
                """);
        assertThat(header(m, "List-Unsubscribe")).isEqualTo("<mailto:leave@example.com?subject=unsubscribe>");
        assertThat(header(m, "List-Unsubscribe-Post")).isNull();
    }

    @Test
    void aNoteTakesListUnsubscribeAsAHeaderLine() throws Exception {
        OutgoingMessage m = Mails.compose("n.txt", "To: bob@example.com\nList-Unsubscribe: <https://example.com/u/7>, <mailto:leave@example.com>\n\nhi\n");
        assertThat(header(m, "List-Unsubscribe")).isEqualTo("<https://example.com/u/7>, <mailto:leave@example.com>");
        assertThat(header(m, "List-Unsubscribe-Post")).isEqualTo("List-Unsubscribe=One-Click");
    }

    @Test
    void aUrlThatIsNotHttpsIsRefused() {
        assertThat(json("{\"url\": \"http://example.com/u\"}"))
                .isEqualTo("\"unsubscribe.url\": \"http://example.com/u\" is not an https URL; one-click unsubscribe "
                        + "(RFC 8058) needs https, as in https://example.com/unsubscribe?u=123");
        assertThat(reason("n.txt", "To: bob@example.com\nList-Unsubscribe: <http://example.com/u>\n\nhi\n"))
                .startsWith("\"List-Unsubscribe\" (line 2): \"http://example.com/u\" is not an https URL");
        assertThat(json("{\"url\": \"javascript:alert(1)\"}")).contains("is not an https URL");
        assertThat(json("{\"url\": \"https://example.com/a b\"}")).contains("contains a space");
        assertThat(json("{\"url\": \"https:///nohost\"}")).contains("has no host name");
    }

    @Test
    void lineBreaksAreRefused() {
        assertThat(json("{\"url\": \"https://example.com/u\\r\\nBcc: victim@example.net\"}"))
                .startsWith("\"unsubscribe.url\": ").contains("contains a carriage return (CR)");
        assertThat(json("{\"mailto\": \"leave@example.com\\nBcc: victim@example.net\"}"))
                .startsWith("\"unsubscribe.mailto\": ").contains("line break (LF)");
    }

    @Test
    void otherMistakesAreNamed() {
        assertThat(json("{}")).startsWith("\"unsubscribe\" needs an https url, a mailto address, or both");
        assertThat(json("{\"link\": \"https://example.com\"}"))
                .startsWith("unknown field \"link\" in \"unsubscribe\"").endsWith("may use are url, mailto");
        assertThat(json("\"https://example.com/u\"")).startsWith("\"unsubscribe\" must be an object such as");
        assertThat(json("{\"mailto\": \"not an address\"}")).startsWith("\"unsubscribe.mailto\"");
        assertThat(reason("d.json", "{\"to\": \"bob@example.com\", \"headers\": {\"List-Unsubscribe\": \"<https://x.example>\"}}"))
                .contains("give \"unsubscribe\"");
        assertThat(reason("d.json", "{\"to\": \"bob@example.com\", \"headers\": {\"DKIM-Signature\": \"v=1\"}}"))
                .contains("signs the message itself");
        assertThat(reason("n.txt", "To: bob@example.com\nList-Unsubscribe: <https://a.example/1>, <https://b.example/2>\n\nhi\n"))
                .isEqualTo("\"List-Unsubscribe\" (line 2): give at most one https link");
    }
}
