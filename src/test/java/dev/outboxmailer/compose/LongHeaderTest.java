package dev.outboxmailer.compose;

import static dev.outboxmailer.compose.Mails.latin1;
import static dev.outboxmailer.compose.Mails.received;
import static dev.outboxmailer.compose.Mails.transmitted;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.message.OutgoingMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A 10,000-character subject is folded, not refused, and arrives intact (RFC 5322 §2.1.1, RFC 2047). */
class LongHeaderTest {

    private static void assertFoldedAndIntact(String subject) throws Exception {
        String draft = new ObjectMapper().writeValueAsString(Map.of("to", "bob@example.com", "subject", subject,
                "text", "x", "headers", Map.of("X-Long", subject)));
        OutgoingMessage sent = Mails.compose("a.json", draft);
        String raw = latin1(transmitted(sent));
        String headers = raw.substring(0, raw.indexOf("\r\n\r\n"));
        for (String line : headers.split("\r\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
        }
        assertThat(received(sent).getSubject()).isEqualTo(subject);
        assertThat(jakarta.mail.internet.MimeUtility.decodeText(
                jakarta.mail.internet.MimeUtility.unfold(received(sent).getHeader("X-Long", null)))).isEqualTo(subject);
    }

    @Test
    void oneLongWordOfAscii() throws Exception {
        assertFoldedAndIntact("x".repeat(10_000));
    }

    @Test
    void longTextWithSpacesAndNonAscii() throws Exception {
        for (String subject : List.of("word ".repeat(2_000).strip(), "季度报告 — Q3 ".repeat(700).strip(),
                "😀".repeat(3_000), "  leading and trailing spaces  ", "a  b   c")) {
            assertFoldedAndIntact(subject);
        }
    }
}
