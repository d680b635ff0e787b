package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.MailerOverSmtps;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SPEC §9, "the jail holds at send time", through the real routes: a draft waits composed in the rate
 * limit's throttle while the folder of its attachment is swapped for a link to a folder outside the outbox
 * ({@code mv d d.old; ln -s /elsewhere d}). What reaches the server is the file that was checked, never
 * the one outside.
 */
class JailAtSendTimeTest extends MailerOverSmtps {

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = super.settings();
        s.put("smtp.rate-limit", "1/m"); // the first draft goes at once, the second waits its turn composed
        s.put("smtp.connections", "2"); // both are picked up and composed at once
        return s;
    }

    @Test
    void aFolderSwappedForALinkWhileTheDraftWaitsInTheThrottleLeaksNothing() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("report.txt"), "SECRET from outside the outbox");
        for (String d : List.of("a", "b")) {
            Files.createDirectories(mailer.outbox.resolve(d));
            Files.writeString(mailer.outbox.resolve(d + "/report.txt"), "original report " + d);
        }
        mailer.drop("a.json", draft("a"));
        mailer.drop("b.json", draft("b"));

        MimeMessage first = server.awaitMessages(1).get(0);
        String waiting = first.getSubject().equals("draft a") ? "b" : "a";
        Thread.sleep(1000); // the other one was composed with the first (two senders) and waits for the throttle
        assertThat(server.received()).hasSize(1);
        Files.move(mailer.outbox.resolve(waiting), mailer.outbox.resolve(waiting + ".old"));
        Files.createSymbolicLink(mailer.outbox.resolve(waiting), outside);

        // the throttle lets it go a minute after the first
        Path receipt = mailer.sentFolder().resolve(waiting + ".json.receipt.json");
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(receipt) && Files.size(receipt) > 0);
        JsonNode sent = mailer.awaitReceipt(waiting + ".json");
        assertThat(sent.toString()).doesNotContain("SECRET");
        List<MimeMessage> received = server.awaitMessages(2);
        assertThat(received).hasSize(2);
        for (MimeMessage m : received) {
            assertThat(raw(m)).doesNotContain("SECRET").doesNotContain("U0VDUkVU"); // nor its base64
            String name = m.getSubject().substring("draft ".length());
            MimeMultipart mixed = (MimeMultipart) m.getContent();
            assertThat(new String(mixed.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("original report " + name);
        }
    }

    private static String draft(String name) {
        return "{\"to\": \"bob@example.org\", \"subject\": \"draft " + name + "\", \"text\": \"see the report\", "
                + "\"attachments\": [{\"path\": \"" + name + "/report.txt\"}]}";
    }

    private static String raw(MimeMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
