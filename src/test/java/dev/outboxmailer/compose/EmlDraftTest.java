package dev.outboxmailer.compose;

import static dev.outboxmailer.compose.Mails.latin1;
import static dev.outboxmailer.compose.Mails.received;
import static dev.outboxmailer.compose.Mails.transmitted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmlDraftTest {

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = EmlDraftTest.class.getResourceAsStream("/compose/" + name)) {
            return in.readAllBytes();
        }
    }

    private static OutgoingMessage compose(String name, byte[] bytes) throws Exception {
        return Mails.composer().compose(new Draft(name, bytes, null));
    }

    private static int headerEnd(byte[] bytes, String separator) {
        String text = latin1(bytes);
        int at = text.indexOf(separator + separator);
        assertThat(at).isPositive();
        return at + separator.length(); // the header block keeps its last line break
    }

    private static List<String> lines(byte[] bytes, int from, int to, String separator) {
        return Arrays.asList(latin1(Arrays.copyOfRange(bytes, from, to)).split(separator));
    }

    @Test
    void aFinishedMessageIsSentAsWrittenExceptItsBccLine() throws Exception {
        byte[] original = resource("signed.eml");
        OutgoingMessage sent = compose("signed.EML", original);
        assertThat(sent.isAsWritten()).isTrue();

        for (byte[] wire : List.of(transmitted(sent), writtenIgnoring(sent, "Bcc"), writtenIgnoring(sent))) {
            int originalHead = headerEnd(original, "\r\n");
            int wireHead = headerEnd(wire, "\r\n");

            List<String> expected = new ArrayList<>();
            boolean inBcc = false;
            for (String line : lines(original, 0, originalHead, "\r\n")) {
                boolean continuation = line.startsWith(" ") || line.startsWith("\t");
                inBcc = continuation ? inBcc : line.regionMatches(true, 0, "Bcc:", 0, 4);
                if (!inBcc) {
                    expected.add(line);
                }
            }
            // every original header line, in order and byte for byte; nothing added (Date, Message-ID, From were there)
            assertThat(lines(wire, 0, wireHead, "\r\n")).containsExactlyElementsOf(expected);
            assertThat(latin1(wire)).doesNotContainPattern("(?im)^bcc:").doesNotContain("secret@example.net");
            // the body, byte for byte (8-bit text, trailing spaces and dot lines included)
            assertThat(Arrays.copyOfRange(wire, wireHead + 2, wire.length))
                    .isEqualTo(Arrays.copyOfRange(original, originalHead + 2, original.length));
        }

        // Bcc recipients are on the envelope; BOB@example.com in Bcc repeats bob@example.com in To
        assertThat(sent.envelopeRecipients()).extracting(InternetAddress::getAddress)
                .containsExactly("bob@example.com", "zoe@example.org", "carol@example.net", "secret@example.net");
        MimeMessage got = received(sent);
        assertThat(got.getMessageID()).isEqualTo("<original-1@example.com>");
        assertThat(got.getSubject()).isEqualTo("季度报告 — Q3");
    }

    @Test
    void missingDateMessageIdAndFromAreAddedAndNothingElseChanges() throws Exception {
        byte[] original = resource("bare.eml"); // LF line endings
        OutgoingMessage sent = compose("bare.eml", original);
        byte[] wire = transmitted(sent);
        String text = latin1(wire);

        List<String> head = Arrays.asList(text.substring(0, text.indexOf("\r\n\r\n")).split("\r\n"));
        assertThat(head.subList(0, 2)).containsExactly("Subject: no date, no id, no from", "To: bob@example.com");
        assertThat(head).hasSize(5);
        assertThat(text.substring(text.indexOf("\r\n\r\n") + 4)).isEqualTo("line one\nline two\n");

        MimeMessage got = received(sent);
        assertThat(got.getSentDate()).isNotNull();
        assertThat(((InternetAddress) got.getFrom()[0]).getAddress()).isEqualTo("outbox@default.example");
        assertThat(got.getMessageID()).matches("<[0-9a-f-]{36}@default\\.example>");
    }

    @Test
    void theMessageIdFollowsTheMessagesOwnFrom() throws Exception {
        OutgoingMessage sent = compose("a.eml", "From: a@sender.example\r\nTo: b@example.com\r\n\r\nhi\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(sent.getMessageID()).endsWith("@sender.example>");
    }

    @Test
    void anUndisclosedRecipientsGroupLeavesOnlyTheBccOnTheEnvelope() throws Exception {
        OutgoingMessage sent = compose("a.eml", ("From: a@example.com\r\nTo: undisclosed-recipients:;\r\n"
                + "Bcc: x@example.com,\r\n y@example.com\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(sent.envelopeRecipients()).extracting(InternetAddress::getAddress)
                .containsExactly("x@example.com", "y@example.com");
        assertThat(latin1(transmitted(sent))).contains("To: undisclosed-recipients:;").doesNotContain("y@example.com");
    }

    @Test
    void noFromAnywhereIsInvalid() {
        Composer noDefault = new Composer(new ComposeSettings(null, List.of(), Mails.MAX));
        assertThatThrownBy(() -> noDefault.compose(new Draft("a.eml",
                "To: b@example.com\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII), null)))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("no From").hasMessageContaining("mail.from");
    }

    @Test
    void noRecipientsIsInvalid() {
        assertThatThrownBy(() -> compose("a.eml", "From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n".getBytes()))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("no recipients");
        assertThatThrownBy(() -> compose("a.eml", "just some text, not a message\n".getBytes()))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("no recipients");
    }

    @Test
    void anAddressHeaderThatCannotBeReadIsInvalidAndNamed() {
        assertThatThrownBy(() -> compose("a.eml", "From: a@example.com\r\nTo: bob@@example.com\r\n\r\nhi\r\n".getBytes()))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("To")
                .hasMessageContaining("bob@@example.com");
        assertThatThrownBy(() -> compose("a.eml", "From: a@example.com\r\nTo: b@example.com\r\nCc: <unclosed@example.com\r\n\r\nhi\r\n".getBytes()))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("Cc");
        assertThatThrownBy(() -> compose("a.eml", "From: not an address\r\nTo: b@example.com\r\n\r\nhi\r\n".getBytes()))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContaining("From");
    }

    @Test
    void anEmptyEmlIsInvalid() {
        assertThatThrownBy(() -> compose("a.eml", new byte[0])).hasMessage("the draft is empty");
        assertThatThrownBy(() -> compose("a.eml", " \r\n\t\n".getBytes())).hasMessage("the draft is empty");
    }

    private static byte[] writtenIgnoring(MimeMessage message, String... ignored) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out, ignored.length == 0 ? null : ignored);
        return out.toByteArray();
    }
}
