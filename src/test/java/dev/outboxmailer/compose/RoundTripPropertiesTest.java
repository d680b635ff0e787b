package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random envelopes — unicode subjects, display names, bodies, attachment names and bytes — written as
 * JSON or YAML drafts, composed, written as the SMTP server receives them, and parsed back as a mail
 * client does, come out with the same fields and the same bytes.
 */
class RoundTripPropertiesTest {

    record Recipient(String name, String address) {
        /** As a person writes it in a draft: the name quoted, with \ and " escaped. */
        String written() {
            return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\" <" + address + ">";
        }
    }

    record Attachment(String name, byte[] bytes) {}

    record Envelope(String subject, List<Recipient> to, String text, List<Attachment> attachments, boolean yaml) {}

    /** Printable text of every script, emoji included; no control characters (those are refused in headers). */
    private static Arbitrary<String> text(int min, int max) {
        Arbitrary<String> chars = Arbitraries.strings()
                .withCharRange(' ', '~')
                .withCharRange('\u00A0', '\u024F')
                .withCharRange('\u0370', '\u04FF')
                .withCharRange('\u0590', '\u06FF')
                .withCharRange('\u3040', '\u30FF')
                .withCharRange('\u4E00', '\u9FFF')
                .withCharRange('\uAC00', '\uD7A3')
                .ofMinLength(min).ofMaxLength(max);
        Arbitrary<String> emoji = Arbitraries.of("", "😀", "𝄞", "👩‍💻", "🇩🇪");
        return Combinators.combine(chars, emoji).as((s, e) -> s + e);
    }

    private static Arbitrary<Recipient> recipients() {
        Arbitrary<String> local = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> domain = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10).map(d -> d + ".example");
        Arbitrary<String> name = text(1, 40).map(String::strip).filter(n -> !n.isEmpty());
        return Combinators.combine(name, local, domain).as((n, l, d) -> new Recipient(n, l + "@" + d));
    }

    @Provide
    Arbitrary<Envelope> envelopes() {
        Arbitrary<String> subject = text(0, 300);
        Arbitrary<List<Recipient>> to = recipients().list().ofMinSize(1).ofMaxSize(4)
                .uniqueElements(r -> r.address());
        Arbitrary<String> body = Arbitraries.oneOf(text(0, 2000),
                text(0, 80).list().ofMaxSize(30).map(lines -> String.join("\n", lines)));
        Arbitrary<Attachment> attachment = Combinators.combine(
                text(1, 60).map(String::strip).filter(n -> !n.isEmpty()),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(20_000)).as(Attachment::new);
        return Combinators.combine(subject, to, body, attachment.list().ofMaxSize(3), Arbitraries.of(true, false))
                .as(Envelope::new);
    }

    @Property(tries = 300)
    void composedSentAndReadBackTheFieldsAndBytesAreTheSame(@ForAll("envelopes") Envelope envelope) throws Exception {
        Map<String, Object> draft = new LinkedHashMap<>();
        draft.put("to", envelope.to().stream().map(Recipient::written).toList());
        draft.put("subject", envelope.subject());
        draft.put("text", envelope.text());
        List<Map<String, String>> attachments = new ArrayList<>();
        for (Attachment a : envelope.attachments()) {
            attachments.add(Map.of("name", a.name(), "content", Base64.getEncoder().encodeToString(a.bytes())));
        }
        draft.put("attachments", attachments);
        ObjectMapper writer = envelope.yaml() ? new YAMLMapper() : new ObjectMapper();
        byte[] bytes = writer.writeValueAsString(draft).getBytes(StandardCharsets.UTF_8);

        OutgoingMessage sent = Mails.composer().compose(new Draft(envelope.yaml() ? "p.yaml" : "p.json", bytes, null));
        byte[] wire = Mails.transmitted(sent);
        for (byte b : wire) {
            assertThat(b & 0xFF).isLessThan(0x80);
        }
        for (String line : new String(wire, StandardCharsets.US_ASCII).split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
        MimeMessage got = Mails.received(sent);

        assertThat(got.getSubject() == null ? "" : got.getSubject()).isEqualTo(envelope.subject());
        List<InternetAddress> to = new ArrayList<>();
        for (var a : got.getRecipients(Message.RecipientType.TO)) {
            to.add((InternetAddress) a);
        }
        assertThat(to).extracting(InternetAddress::getAddress).containsExactlyElementsOf(envelope.to().stream().map(Recipient::address).toList());
        assertThat(to).extracting(InternetAddress::getPersonal).containsExactlyElementsOf(envelope.to().stream().map(Recipient::name).toList());

        Part textPart = envelope.attachments().isEmpty() ? got : ((Multipart) got.getContent()).getBodyPart(0);
        assertThat(textPart.isMimeType("text/plain")).isTrue();
        // MIME text travels with CRLF line ends; the text is otherwise the same
        assertThat(((String) textPart.getContent()).replace("\r\n", "\n")).isEqualTo(envelope.text());

        for (int i = 0; i < envelope.attachments().size(); i++) {
            Part part = ((Multipart) got.getContent()).getBodyPart(i + 1);
            assertThat(part.getFileName()).isEqualTo(envelope.attachments().get(i).name());
            assertThat(Mails.bytesOf(part)).isEqualTo(envelope.attachments().get(i).bytes());
        }
    }
}
