package dev.outboxmailer.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.support.BounceReports;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The reader on its own, for the forms and the hostile cases (the routes test covers them arriving by IMAP/POP3). */
class BounceReaderTest {
    static MimeMessage message(String raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anExchangeNdrNamesTheRecipientTheCodeAndTheReturnedMessageId() throws Exception {
        BounceReport r = BounceReader.read(message(BounceReports.exchange("<m1@example.com>", "gone@contoso.com")));
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.BOUNCE);
        assertThat(r.form()).isEqualTo("exchange");
        assertThat(r.messageIds()).containsExactly("<m1@example.com>");
        assertThat(r.findings()).extracting(BounceReport.Finding::recipient).containsExactly("gone@contoso.com");
        assertThat(r.findings().get(0).status()).isEqualTo("5.1.10");
    }
}
