package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.internet.InternetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each way a draft can be wrong gives an InvalidDraftException whose message names the field and the bad value. */
class InvalidDraftTest {

    private static String reason(String name, String text) {
        return reason(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String reason(String name, byte[] bytes) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(
                () -> Mails.composer().compose(new Draft(name, bytes, null)));
        assertThat(thrown).as("draft %s", name).isInstanceOf(InvalidDraftException.class);
        String reason = thrown.getMessage();
        System.out.println(name + " -> " + reason);
        assertThat(reason).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\n");
        return reason;
    }

    private static String json(String fields) {
        return reason("d.json", "{\"to\": \"bob@example.com\", \"text\": \"x\", " + fields + "}");
    }

    @Test
    void lineBreaksInAnyHeaderTextAreRefusedAndNamed() {
        assertThat(json("\"subject\": \"hi\\r\\nBcc: victim@example.com\"")).contains("\"subject\"").contains("\\r\\nBcc");
        assertThat(json("\"subject\": \"hi\\nthere\"")).contains("\"subject\"").contains("line break");
        assertThat(reason("d.json", "{\"to\": \"Bob\\r\\nBcc: x@example.com <bob@example.com>\"}")).contains("\"to\"");
        assertThat(reason("d.json", "{\"to\": \"bob@example.com\\nBcc: x@example.com\"}")).contains("\"to\"");
        assertThat(json("\"cc\": [\"a@example.com\\r\"]")).contains("\"cc\"");
        assertThat(json("\"bcc\": \"a@example.com\\n\"")).contains("\"bcc\"");
        assertThat(json("\"from\": \"Eve\\n <eve@example.com>\"")).contains("\"from\"");
        assertThat(json("\"replyTo\": \"desk@example.com\\r\\nX: y\"")).contains("\"replyTo\"");
        assertThat(json("\"messageId\": \"<a@b>\\r\\nX: y\"")).contains("\"messageId\"");
        assertThat(json("\"headers\": {\"X-A\": \"one\\r\\nBcc: x@example.com\"}")).contains("\"headers.X-A\"");
        assertThat(json("\"headers\": {\"X-A\\r\\nBcc\": \"v\"}")).contains("\"headers\"");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a\\r\\n.txt\"}]"))
                .contains("\"attachments[0].name\"");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a.txt\", \"contentType\": \"text/plain\\r\\nX: y\"}]"))
                .contains("\"attachments[0].contentType\"");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a.png\", \"cid\": \"logo\\r\\nX: y\"}]"))
                .contains("\"attachments[0].cid\"");
    }

    @Test
    void recipientsAndAddresses() {
        assertThat(reason("d.json", "{\"text\": \"x\"}")).contains("no recipients");
        assertThat(reason("d.json", "{\"to\": [], \"cc\": [], \"bcc\": [], \"text\": \"x\"}")).contains("no recipients");
        assertThat(reason("d.json", "{\"to\": \"bob@@x\"}")).startsWith("\"to\": \"bob@@x\" is not an email address");
        assertThat(reason("d.json", "{\"to\": [\"ok@example.com\", \"bob\"]}")).startsWith("\"to\": \"bob\" is not an email address");
        assertThat(json("\"cc\": \"a@example.com, <broken@\"")).contains("\"cc\"").contains("is not an email address");
        assertThat(json("\"from\": \"a@example.com, b@example.com\"")).contains("\"from\"").contains("exactly one");
        assertThat(json("\"replyTo\": \"nobody\"")).contains("\"replyTo\": \"nobody\" is not an email address");
        assertThat(reason("d.json", "{\"to\": \"böb@example.org\"}")).contains("\"to\": \"böb@example.org\"")
                .contains("non-ASCII").contains("SMTPUTF8");
        assertThat(reason("d.json", "{\"to\": \"bob@exa mple.org\"}")).contains("\"to\"").contains("is not an email address");
        assertThat(reason("d.json", "{\"to\": \"bob@-bücher-.example\"}")).contains("\"to\"").contains("not a valid");
        assertThat(reason("d.json", "{\"to\": \"friends: a@example.com;\"}")).contains("\"to\"").contains("group");
    }

    @Test
    void noFromAnywhere() throws Exception {
        Composer composer = new Composer(new ComposeSettings(null, List.of(), Mails.MAX));
        assertThatThrownBy(() -> composer.compose(new Draft("d.json", "{\"to\": \"bob@example.com\"}".getBytes(), null)))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessage("no From: set \"from\" in the draft or mail.from in the configuration");
    }

    @Test
    void emptyAndNotUtf8() {
        assertThat(reason("d.json", new byte[0])).isEqualTo("the draft is empty");
        assertThat(reason("d.yaml", " \n\t\r\n".getBytes())).isEqualTo("the draft is empty");
        assertThat(reason("d.json", "null")).isEqualTo("the draft is empty");
        assertThat(reason("d.json", new byte[] {'{', '"', 't', 'o', '"', ':', '"', (byte) 0xE9, '"', '}'}))
                .contains("not valid UTF-8").contains("0xE9").contains("offset 7");
        assertThat(reason("d.yaml", new byte[] {'t', 'o', ':', ' ', (byte) 0xC3, (byte) 0x28})).contains("not valid UTF-8");
    }

    @Test
    void unknownFieldsAndWrongTypes() {
        assertThat(json("\"tos\": \"x@example.com\"")).contains("unknown field \"tos\"").contains("line 1");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a\", \"filename\": \"b\"}]"))
                .contains("unknown field \"filename\"").contains("attachments[0]").contains("contentType");
        assertThat(reason("d.json", "{\"to\": 42}")).contains("\"to\"").contains("must be an address or a list of addresses");
        assertThat(json("\"subject\": {\"a\": 1}")).contains("\"subject\" must be text");
        assertThat(json("\"subject\": 7")).contains("\"subject\" must be text");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a\", \"inline\": \"yes\"}]"))
                .contains("\"attachments[0].inline\" must be true or false");
        assertThat(json("\"headers\": [\"X-A: b\"]")).contains("\"headers\" must be an object");
        assertThat(json("\"headers\": {\"X-A\": 5}")).contains("\"headers.X-A\" must be text");
        assertThat(reason("d.json", "[\"bob@example.com\"]")).contains("must be a JSON object");
        assertThat(reason("d.yaml", "to: 42\n")).contains("\"to\": \"42\" is not an email address");
        assertThat(reason("d.yaml", "to: bob@example.com\nsubject: [a, b]\n")).contains("\"subject\" must be text");
        assertThat(reason("d.yaml", "- bob@example.com\n")).contains("must be a YAML object");
    }

    @Test
    void malformedTextGivesTheLineAndColumn() {
        assertThat(reason("d.json", "{\"to\": \"bob@example.com\",\n \"text\": \"x\",\n}"))
                .startsWith("the draft is not valid JSON: ").contains("line 3, column");
        assertThat(reason("d.json", "{\"to\": \"bob@example.com\"} trailing")).contains("not valid JSON").contains("line 1");
        assertThat(reason("d.json", "{\"to\": \"a@example.com\", \"to\": \"b@example.com\"}"))
                .contains("\"to\"").contains("twice");
        assertThat(reason("d.yaml", "to: bob@example.com\nsubject: \"unclosed\ntext: x\n"))
                .startsWith("the draft is not valid YAML: ").contains("line");
        assertThat(reason("d.yml", "to: bob@example.com\n  bad: indent\n")).contains("not valid YAML").contains("line 2");
        assertThat(reason("d.yaml", "to: a@example.com\nto: b@example.com\n")).contains("\"to\"");
    }

    @Test
    void aYamlAliasBombFailsFast() {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        String previous = "a";
        for (char c = 'b'; c <= 'j'; c++) {
            bomb.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                bomb.append(i == 0 ? "" : ",").append('*').append(previous);
            }
            bomb.append("]\n");
            previous = String.valueOf(c);
        }
        bomb.append("to: bob@example.com\n");
        long started = System.nanoTime();
        assertThat(reason("bomb.yaml", bomb.toString())).contains("not valid YAML").containsIgnoringCase("alias");
        assertThat(System.nanoTime() - started).isLessThan(5_000_000_000L);
        assertThat(reason("d.yaml", "to: &x bob@example.com\ncc: *x\n")).contains("aliases such as *x are not supported")
                .contains("line 2");
        assertThat(reason("d.yaml", "to: bob@example.com\n---\nto: eve@example.com\n")).contains("more than one YAML document");
        String deep = "to: bob@example.com\nheaders: " + "[".repeat(200) + "]".repeat(200) + "\n";
        assertThat(reason("deep.yaml", deep)).contains("YAML");
    }

    @Test
    void attachmentsByContent() {
        assertThat(json("\"attachments\": [{\"content\": \"not base64!\", \"name\": \"a.bin\"}]"))
                .contains("\"attachments[0].content\" is not valid base64");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\"}]")).contains("\"attachments[0].name\" is missing");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"path\": \"a\", \"name\": \"a\"}]"))
                .contains("\"attachments[0]\" needs exactly one of \"path\"");
        assertThat(json("\"attachments\": [{\"name\": \"a\"}]")).contains("needs exactly one of");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a.png\", \"inline\": true}]"))
                .contains("\"attachments[0].cid\" is missing");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a.png\", \"cid\": \"<logo>\"}]"))
                .contains("\"attachments[0].cid\": \"<logo>\"");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a.png\", \"contentType\": \"nonsense\"}]"))
                .contains("\"attachments[0].contentType\": \"nonsense\" is not a content type");
        assertThat(json("\"attachments\": [{\"content\": \"aGk=\", \"name\": \"a\", \"contentType\": \"multipart/mixed\"}]"))
                .contains("\"attachments[0].contentType\"");
    }

    @Test
    void headersAndMessageIds() {
        for (String reserved : List.of("Bcc", "content-type", "Content-Transfer-Encoding", "MIME-Version", "From", "To",
                "Cc", "Subject", "Date", "Message-ID", "Reply-To", "Sender", "Resent-To", "Return-Path")) {
            assertThat(json("\"headers\": {\"" + reserved + "\": \"x\"}"))
                    .contains("\"headers\": \"" + reserved + "\" cannot be set as a custom header");
        }
        assertThat(json("\"headers\": {\"X A\": \"x\"}")).contains("\"headers\": \"X A\" is not a header name");
        assertThat(json("\"headers\": {\"X:A\": \"x\"}")).contains("\"X:A\" is not a header name");
        assertThat(json("\"headers\": {\"X-Ünï\": \"x\"}")).contains("is not a header name");
        assertThat(json("\"messageId\": \"no-brackets@example.com\"")).contains("\"messageId\": \"no-brackets@example.com\" is not a Message-ID");
        assertThat(json("\"messageId\": \"<no-at>\"")).contains("is not a Message-ID");
        assertThat(json("\"messageId\": \"<a b@example.com>\"")).contains("is not a Message-ID");
    }

    @Test
    void aBareFileWithoutMailToIsInvalid() {
        assertThat(reason("report.pdf", "%PDF-1.4 x")).isEqualTo("\"report.pdf\" is not a draft (.eml, .json, .yaml, .yml, "
                + ".txt, .md), so it would be sent as an attachment to mail.to, but mail.to is not set: set mail.to, or "
                + "write a draft that says who it goes to");
        assertThat(reason("README", "hello")).contains("mail.to is not set");
    }

    @Test
    void thousandsOfRecipientsAreRefusedWithTheLimit() throws Exception {
        StringBuilder to = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            to.append(i == 0 ? "" : ", ").append("user").append(i).append("@example.org");
        }
        assertThat(reason("d.json", "{\"to\": \"" + to + "\", \"text\": \"x\"}"))
                .startsWith("the draft has 3,000 recipients; one message goes to at most 500");
        // 500 distinct ones are fine, and repeats count once
        String five = java.util.stream.IntStream.range(0, 500).mapToObj(i -> "u" + i + "@example.org")
                .collect(java.util.stream.Collectors.joining(", "));
        assertThat(Mails.compose("d.json", "{\"to\": \"" + five + "\", \"cc\": \"" + five.toUpperCase() + "\", \"text\": \"x\"}")
                .envelopeRecipients()).hasSize(500);
    }

    @Test
    void tooBigForMailMaxSizeSaysBothSizesInHumanUnits() throws Exception {
        byte[] payload = new byte[190 * 1024]; // the draft itself under the limit, the encoded message over it
        new Random(1).nextBytes(payload);
        Composer small = new Composer(new ComposeSettings(new InternetAddress("a@example.com"), List.of(), 256 * 1024));
        String draft = "{\"to\": \"bob@example.com\", \"attachments\": [{\"content\": \"%s\", \"name\": \"x.bin\"}]}"
                .formatted(Base64.getEncoder().encodeToString(payload));
        assertThatThrownBy(() -> small.compose(new Draft("big.json", draft.getBytes(), null)))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContainingAll("when encoded", "260.", "KB", "256.0 KB", "mail.max-size");

        String large = "{\"to\": \"bob@example.com\", \"text\": \"%s\"}".formatted("x".repeat(300 * 1024));
        assertThatThrownBy(() -> small.compose(new Draft("large.json", large.getBytes(), null)))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContainingAll("the draft is 300.", "KB", "256.0 KB", "mail.max-size", "not read");

        byte[] eml = ("From: a@example.com\r\nTo: b@example.com\r\n\r\n" + "x".repeat(300 * 1024)).getBytes();
        assertThatThrownBy(() -> small.compose(new Draft("big.eml", eml, null)))
                .isInstanceOf(InvalidDraftException.class)
                .hasMessageContainingAll("300.", "KB", "256.0 KB");
    }

    @Test
    void anEmlIsEncodedToBeMeasuredUnlessItIsFarBelowTheLimit() {
        long limit = 25L * 1024 * 1024;
        assertThat(EmlComposer.mayExceed(1024, limit)).isFalse();
        assertThat(EmlComposer.mayExceed(6 * 1024 * 1024, limit)).isFalse();
        assertThat(EmlComposer.mayExceed(7 * 1024 * 1024, limit)).isTrue(); // could be over once encoded
        assertThat(EmlComposer.mayExceed(1, 60 * 1024)).isTrue(); // a small limit: always measured
    }
}
