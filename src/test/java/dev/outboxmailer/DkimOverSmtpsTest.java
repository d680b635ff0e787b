package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.support.DkimTestKeys;
import dev.outboxmailer.support.DkimVerifiers;
import dev.outboxmailer.support.DkimVerifiers.Verdict;
import dev.outboxmailer.support.MailerOverSmtps;
import dev.outboxmailer.support.QueueClient;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §12 through the real routes: drafts of every kind from example.com arrive at a real SMTPS server
 * (GreenMail) with an RSA and an Ed25519 DKIM signature, and the bytes GreenMail received verify with two
 * independent verifiers (jDKIM: RSA; dkimpy: both), the public keys served by a test DNS function.
 */
class DkimOverSmtpsTest extends MailerOverSmtps {
    @TempDir
    static Path keysDir;
    static DkimTestKeys keys;

    @BeforeAll
    static void keys() throws Exception {
        keys = DkimTestKeys.create(keysDir);
    }

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(super.settings());
        s.putAll(keys.settings());
        s.put("mail.to", "Ops <ops@example.org>");
        s.put("mail.max-size", "60MB");
        return s;
    }

    /**
     * The message as GreenMail received it (its own Return-Path and Received lines on top). GreenMail stores the
     * data without the line break that ends its last line (the one before SMTP's final "."), which was sent and
     * belongs to the message (RFC 5321 §4.1.1.4); it is put back, or a last line ending in spaces would hash
     * differently from what was transmitted.
     */
    static byte[] raw(MimeMessage received) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        received.writeTo(out);
        byte[] bytes = out.toByteArray();
        int n = bytes.length;
        if (n < 2 || bytes[n - 2] != '\r' || bytes[n - 1] != '\n') {
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Both signatures verify: RSA with jDKIM here, then both with dkimpy (the test is skipped without it). */
    static void assertSignedByBothKeys(byte[] raw) throws Exception {
        assertThat(DkimVerifiers.jdkim(raw, keys.dns)).filteredOn(v -> "rsa2026".equals(v.selector())).singleElement()
                .satisfies(v -> assertThat(v.ok()).as("jDKIM: %s", v.error()).isTrue());
        List<Verdict> py = DkimVerifiers.dkimpy(raw, keys.dns);
        assertThat(py).extracting(Verdict::selector).containsExactly("rsa2026", "ed2026");
        assertThat(py).extracting(Verdict::algorithm).containsExactly("rsa-sha256", "ed25519-sha256");
        assertThat(py).allSatisfy(v -> assertThat(v.ok()).as("dkimpy %s: %s", v.selector(), v.error()).isTrue());
    }

    static String hTag(byte[] raw) {
        String s = text(raw);
        int h = s.indexOf(" h=");
        return s.substring(h + 3, s.indexOf(';', h)).replaceAll("\\s", "");
    }

    @Test
    void anEnvelopeWithEverythingArrivesSignedAndAChangedByteBreaksIt() throws Exception {
        mailer.drop("report.json", """
                {"from": "Zoë Équipe <team@example.com>", "to": ["Jürgen Groß <j@example.org>"],
                 "cc": "carol@example.org", "replyTo": "desk@example.com",
                 "subject": "季度报告 — Q3 Grüße, a subject long enough to be folded over two header lines",
                 "text": "Grüße,\\nthe report is attached.   \\n", "html": "<p>Grüße, <b>the report</b> is attached.</p>",
                 "attachments": [{"content": "aGVsbG8gZnJvbSBvdXRib3gtbWFpbGVy", "name": "报告.txt"},
                                 {"content": "AAECAwQFBgcICQ==", "name": "data.bin", "contentType": "application/octet-stream"}],
                 "headers": {"X-Campaign": "2026-11"},
                 "unsubscribe": {"url": "https://example.com/unsubscribe?u=42&l=news", "mailto": "unsubscribe@example.com"}}
                """);
        mailer.awaitReceipt("report.json");
        MimeMessage received = server.awaitMessages(2).get(0);
        byte[] raw = raw(received);

        assertThat(jakarta.mail.internet.MimeUtility.unfold(received.getHeader("List-Unsubscribe", ",")))
                .isEqualTo("<https://example.com/unsubscribe?u=42&l=news>, <mailto:unsubscribe@example.com>");
        assertThat(received.getHeader("List-Unsubscribe-Post", ",")).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(hTag(raw)).isEqualTo("From:From:To:Cc:Reply-To:Subject:Date:Message-ID:MIME-Version:Content-Type:"
                + "List-Unsubscribe:List-Unsubscribe-Post:X-Campaign");
        assertThat(text(raw)).doesNotContain(" l=").doesNotContain(";l=");
        // 7-bit safe: no byte above 127 anywhere, so no relay's 8BITMIME downgrade can touch it
        for (byte b : raw) {
            assertThat(b & 0xff).isLessThan(128);
        }

        List<Verdict> jdkim = DkimVerifiers.jdkim(raw, keys.dns);
        assertThat(jdkim).filteredOn(v -> "rsa2026".equals(v.selector())).singleElement().matches(Verdict::ok);
        byte[] changed = raw.clone();
        int at = text(changed).lastIndexOf("AAECAwQFBgcICQ==");
        changed[at] = 'B';
        assertThat(DkimVerifiers.jdkim(changed, keys.dns)).noneMatch(Verdict::ok); // the verifier is live
        assertSignedByBothKeys(raw);
        assertThat(DkimVerifiers.dkimpy(changed, keys.dns)).hasSize(2).noneMatch(Verdict::ok);
    }

    @Test
    void aNoteWithListUnsubscribeAndABareFileArriveSigned() throws Exception {
        mailer.drop("weekly.md", """
                To: "Doe, Jane" <jane@example.org>
                From: Newsletter <news@news.example.com>
                Subject: Wöchentlich — KW 48
                List-Unsubscribe: <https://example.com/u/7>, <mailto:leave@example.com>
                X-Campaign: weekly

                # This week

                | Team | Done |
                |------|-----:|
                | Ops  | 12   |
                """);
        mailer.drop("invoice-0042.pdf", "%PDF-1.4 not really a pdf\n");
        mailer.awaitReceipt("weekly.md");
        mailer.awaitReceipt("invoice-0042.pdf");
        List<MimeMessage> received = server.awaitMessages(2);
        MimeMessage note = received.stream().filter(m -> header(m, "List-Unsubscribe") != null).findFirst().orElseThrow();
        MimeMessage bare = received.stream().filter(m -> m != note).findFirst().orElseThrow();

        assertThat(note.getHeader("List-Unsubscribe", ",")).isEqualTo("<https://example.com/u/7>, <mailto:leave@example.com>");
        assertThat(note.getHeader("List-Unsubscribe-Post", ",")).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(note.getHeader("DKIM-Signature")[0]).contains("d=example.com;"); // a subdomain's mail, signed by the domain
        assertThat(hTag(raw(note))).contains("List-Unsubscribe:List-Unsubscribe-Post").endsWith("X-Campaign");
        assertThat(bare.getSubject()).isEqualTo("invoice-0042.pdf");
        assertThat(DkimVerifiers.jdkim(raw(bare), keys.dns)).filteredOn(Verdict::ok).hasSize(1);
        assertSignedByBothKeys(raw(note));
        assertSignedByBothKeys(raw(bare));
    }

    @Test
    void anEmlGetsOnlyTheSignaturesPrependedAndOneAlreadySignedIsSentAsItIs() throws Exception {
        String eml = String.join("\r\n",
                "From: Alice <alice@example.com>",
                "To: bob@example.org",
                "Subject: =?UTF-8?B?5a2j5bqm5oql5ZGK?=",
                "Date: Thu, 26 Nov 2026 10:00:00 +0000",
                "Message-ID: <fixed-1@example.com>",
                "X-Folded: first part",
                "  continued part",
                "",
                "A body whose bytes must survive: trailing spaces   ",
                "");
        String signed = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=elsewhere;\r\n"
                + "\th=from:to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=c2lnbmVkIGVsc2V3aGVyZQ==\r\n"
                + eml.replace("bob@example.org", "carol@example.org").replace("fixed-1", "fixed-2");
        mailer.drop("plain.eml", eml);
        mailer.drop("signed.eml", signed);
        mailer.awaitReceipt("plain.eml");
        mailer.awaitReceipt("signed.eml");
        List<MimeMessage> received = server.awaitMessages(2);
        byte[] plain = raw(received.stream().filter(m -> header(m, "To").equals("bob@example.org")).findFirst().orElseThrow());
        byte[] already = raw(received.stream().filter(m -> header(m, "To").equals("carol@example.org")).findFirst().orElseThrow());

        // every byte as written after the two signatures
        String p = text(plain);
        int from = p.indexOf("From: Alice");
        assertThat(p.substring(from)).isEqualTo(eml);
        assertThat(p.substring(0, from).split("DKIM-Signature: ", -1)).hasSize(3); // two signatures above it
        String a = text(already);
        assertThat(a.substring(a.indexOf("DKIM-Signature:"))).isEqualTo(signed);
        assertThat(a.split("DKIM-Signature:")).hasSize(2);
        assertSignedByBothKeys(plain);
    }

    @Test
    void mailFromAnotherDomainIsSentUnsigned() throws Exception {
        mailer.drop("other.json", """
                {"from": "someone@example.org", "to": "bob@example.org", "subject": "not ours", "text": "hi"}""");
        mailer.awaitReceipt("other.json");
        MimeMessage received = server.awaitMessages(1).get(0);
        assertThat(received.getHeader("DKIM-Signature")).isNull();
    }

    @Test
    void aLargeEmlIsStreamedAndSigned() throws Exception {
        Path big = dir.resolve("big.eml.part");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(big))) {
            out.write(("From: Big <big@example.com>\r\nTo: bob@example.org\r\nSubject: 50 MB\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            java.util.Random random = new java.util.Random(7);
            byte[] chunk = new byte[57];
            for (long written = 0; written < 50L * 1024 * 1024; written += 78) {
                random.nextBytes(chunk);
                out.write((java.util.Base64.getEncoder().encodeToString(chunk) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        Files.createDirectories(mailer.outbox);
        Files.move(big, mailer.outbox.resolve("big.eml"));
        JsonNode receipt = mailer.awaitReceipt("big.eml");
        assertThat(receipt.get("recipients")).hasSize(1);
        byte[] raw = raw(server.awaitMessages(1).get(0));
        assertThat(raw.length).isGreaterThan(50 * 1024 * 1024);
        assertSignedByBothKeys(raw);
    }

    @Test
    void draftsFromTheDirectEntryAndTheQueueAreSignedToo() throws Exception {
        ProducerTemplate producer = mailer.context().createProducerTemplate();
        producer.requestBodyAndHeader("direct:outbox-mailer",
                "{\"from\": \"app@example.com\", \"to\": \"bob@example.org\", \"subject\": \"direct\", \"text\": \"hi\"}",
                "OutboxMailerDraftName", "direct.json");
        byte[] direct = raw(server.awaitMessages(1).get(0));
        assertThat(text(direct)).startsWith("Return-Path").contains("DKIM-Signature: v=1; a=rsa-sha256;");
        assertSignedByBothKeys(direct);
    }

    @Test
    void queueDraftsAreSigned(@TempDir Path other) throws Exception {
        int port = ScriptedSmtpServer.freePort();
        Map<String, String> s = new HashMap<>(settings());
        s.putAll(RunningMailer.embeddedQueue(port, other.resolve("broker")));
        mailer.close();
        try (RunningMailer queued = RunningMailer.start(other, s);
             QueueClient client = new QueueClient("tcp://127.0.0.1:" + port)) {
            client.sendText("outbox", "{\"from\": \"q@example.com\", \"to\": \"bob@example.org\", \"subject\": \"queued\", \"text\": \"hi\"}",
                    Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> server.received().length >= 1);
            byte[] raw = raw(server.received()[0]);
            assertThat(text(raw)).contains("DKIM-Signature: v=1; a=rsa-sha256;");
            assertSignedByBothKeys(raw);
        } finally {
            mailer = RunningMailer.start(dir.resolve("again"), settings()); // for stopMailer
        }
    }

    @Test
    void aWatchedFolderSignsWithTheKeysItNames(@TempDir Path other) throws Exception {
        DkimTestKeys partner = DkimTestKeys.create(other.resolve("partner-keys"), "partner.example");
        Path routes = Files.createDirectories(other.resolve("routes"));
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        Path folder = other.resolve("partner-out");
        Files.writeString(routes.resolve("partner.yaml"), """
                - templatedRoute:
                    routeTemplateRef: watched-folder
                    parameters:
                      - { name: folder, value: "%s" }
                      - { name: from, value: "Partner <desk@partner.example>" }
                      - { name: dkim, value: partner }
                """.formatted(folder));
        Map<String, String> s = new HashMap<>(settings());
        s.putAll(partner.settings("dkim.partner."));
        s.put("routes.dir", routes.toString());
        mailer.close();
        try (RunningMailer two = RunningMailer.start(other, s)) {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("p.json.tmp"), "{\"to\": \"bob@example.org\", \"subject\": \"p\", \"text\": \"hi\"}");
            Files.move(folder.resolve("p.json.tmp"), folder.resolve("p.json"));
            two.drop("main.json", "{\"to\": \"carol@example.org\", \"subject\": \"m\", \"text\": \"hi\"}");
            List<MimeMessage> received = server.awaitMessages(2);
            byte[] fromPartner = raw(received.stream().filter(m -> header(m, "To").equals("bob@example.org")).findFirst().orElseThrow());
            byte[] fromMain = raw(received.stream().filter(m -> header(m, "To").equals("carol@example.org")).findFirst().orElseThrow());
            assertThat(text(fromPartner)).contains("d=partner.example;").doesNotContain("d=example.com;");
            assertThat(text(fromMain)).contains("d=example.com;");
            assertThat(DkimVerifiers.jdkim(fromPartner, partner.dns)).filteredOn(Verdict::ok).hasSize(1);
            assertSignedByBothKeys(fromMain);
            List<Verdict> py = DkimVerifiers.dkimpy(fromPartner, partner.dns);
            assertThat(py).hasSize(2).allMatch(Verdict::ok);
        } finally {
            mailer = RunningMailer.start(dir.resolve("again"), settings());
        }
    }

    @Test
    void aBadKeyStopsTheStartNamingIt(@TempDir Path other) throws Exception {
        Path weak = other.resolve("weak.pem");
        DkimTestKeys.writeRsa(weak, 1024);
        Map<String, String> s = new HashMap<>(settings());
        s.put("dkim.key-file", weak + "," + keys.ed25519Pem);
        assertThatThrownBy(() -> RunningMailer.start(other, s).close())
                .satisfies(e -> assertThat(rootConfigError(e)).isNotNull()
                        .extracting(Throwable::getMessage).asString()
                        .startsWith("dkim.key-file: " + weak.toAbsolutePath() + " is a 1024-bit RSA key"));
    }

    static Throwable rootConfigError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException) {
                return t;
            }
        }
        return null;
    }

    static String header(MimeMessage m, String name) {
        try {
            return m.getHeader(name, ",");
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

}
