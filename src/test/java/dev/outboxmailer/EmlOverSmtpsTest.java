package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.MailerOverSmtps;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** A finished .eml dropped into the outbox arrives at a real SMTPS server as written (SPEC §4.1). */
class EmlOverSmtpsTest extends MailerOverSmtps {

    static final String SIGNED_LOOKING = String.join("\r\n",
            "From: Alice <alice@example.com>",
            "To: bob@example.org",
            "Cc: carol@example.org",
            "Bcc: hidden@example.net",
            "Subject: =?UTF-8?B?5a2j5bqm5oql5ZGK?=",
            "Date: Thu, 26 Nov 2026 10:00:00 +0000",
            "Message-ID: <fixed-1@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: quoted-printable",
            "X-Folded: first part",
            "  continued part",
            "",
            "A body whose bytes must survive: =C3=A9t=C3=A9 =",
            "soft-broken line; trailing spaces   ",
            "");

    @Test
    void sentByteForByteToEveryRecipientWithoutTheBccHeader() throws Exception {
        Path draft = mailer.drop("signed.eml", SIGNED_LOOKING);
        byte[] dropped = SIGNED_LOOKING.getBytes(StandardCharsets.US_ASCII);

        JsonNode receipt = mailer.awaitReceipt("signed.eml");
        List<MimeMessage> arrived = server.awaitMessages(3);

        // envelope: To + Cc + Bcc each got it
        assertThat(arrived).hasSize(3);
        assertThat(receipt.get("recipients")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("bob@example.org", "carol@example.org", "hidden@example.net");
        assertThat(receipt.get("rejected")).isEmpty();
        assertThat(receipt.get("messageId").asText()).isEqualTo("<fixed-1@example.com>");
        assertThat(receipt.get("attempts").asInt()).isEqualTo(1);
        assertThat(OffsetDateTime.parse(receipt.get("sentAt").asText())).isNotNull();

        MimeMessage received = arrived.get(0);
        // the Bcc header is not transmitted
        assertThat(received.getHeader("Bcc")).isNull();
        // the body arrives byte for byte (but for its last line break, which SMTP's end-of-data marker
        // "CRLF.CRLF" absorbs and the server does not store)
        String body = SIGNED_LOOKING.substring(SIGNED_LOOKING.indexOf("\r\n\r\n") + 4, SIGNED_LOOKING.length() - 2);
        assertThat(received.getRawInputStream().readAllBytes()).isEqualTo(body.getBytes(StandardCharsets.US_ASCII));
        // every original header line but Bcc arrives unchanged, in order (the server adds its own on top)
        List<String> sentLines = Collections.list(received.getAllHeaderLines());
        List<String> originalLines = List.of("From: Alice <alice@example.com>", "To: bob@example.org",
                "Cc: carol@example.org", "Subject: =?UTF-8?B?5a2j5bqm5oql5ZGK?=", "Date: Thu, 26 Nov 2026 10:00:00 +0000",
                "Message-ID: <fixed-1@example.com>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: quoted-printable", "X-Folded: first part\r\n  continued part");
        assertThat(sentLines).containsSubsequence(originalLines);
        assertThat(received.getSubject()).isEqualTo("季度报告");

        // the draft moved byte-identical beside its receipt
        assertThat(draft).doesNotExist();
        assertThat(Files.readAllBytes(mailer.sentFolder().resolve("signed.eml"))).isEqualTo(dropped);
    }

    @Test
    void missingDateMessageIdAndFromAreAddedOnTheSendersDomain() throws Exception {
        mailer.drop("bare.eml", "To: bob@example.org\r\nSubject: hello\r\n\r\nhi\r\n");

        JsonNode receipt = mailer.awaitReceipt("bare.eml");
        MimeMessage received = server.awaitMessages(1).get(0);

        assertThat(received.getHeader("Date")).isNotNull();
        assertThat(received.getFrom()[0].toString()).isEqualTo("Outbox Mailer <mailer@example.com>");
        assertThat(received.getMessageID()).endsWith("@example.com>");
        assertThat(receipt.get("messageId").asText()).isEqualTo(received.getMessageID());
    }

}
