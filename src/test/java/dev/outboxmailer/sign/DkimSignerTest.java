package dev.outboxmailer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.compose.ComposeSettings;
import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.support.DkimTestKeys;
import dev.outboxmailer.support.DkimVerifiers;
import dev.outboxmailer.support.DkimVerifiers.Verdict;
import jakarta.mail.internet.InternetAddress;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.angus.mail.util.CRLFOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The signer's canonicalisation checked against two independent verifiers (jDKIM for RSA, dkimpy for RSA and
 * Ed25519) on messages that are hard to get right: whitespace at line ends and inside lines, empty lines at the
 * end, LF-only and lone-CR line ends, no final line break, an empty body, folded headers, repeated headers,
 * 8-bit bytes. What is verified is what Angus Mail's SMTP transport puts on the wire: writeTo without Bcc, with
 * its CRLF conversion.
 */
class DkimSignerTest {
    @TempDir
    static Path keysDir;
    static DkimTestKeys keys;
    static DkimSigner signer;

    @BeforeAll
    static void keys() throws Exception {
        keys = DkimTestKeys.create(keysDir);
        Map<String, String> s = new HashMap<>(keys.settings());
        s.put("dkim.headers", String.join(",", DkimSettings.DEFAULT_HEADERS) + ",X-Dup");
        signer = DkimSettings.read(k -> Optional.ofNullable(s.get(k)), Clock.systemUTC()).orElseThrow();
    }

    static Composer composer() throws Exception {
        return new Composer(new ComposeSettings(new InternetAddress("Mailer <mailer@example.com>"), List.of(),
                200L * 1024 * 1024));
    }

    /** What the SMTP transport sends: writeTo without Bcc and Content-Length, through Angus's CRLF conversion. */
    static byte[] wire(OutgoingMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream crlf = new CRLFOutputStream(out);
        m.writeTo(crlf, new String[] {"Bcc", "Content-Length"});
        crlf.flush();
        return out.toByteArray();
    }

    static OutgoingMessage signed(String name, byte[] draft) throws Exception {
        OutgoingMessage m = composer().compose(new Draft(name, draft, null));
        assertThat(signer.sign(m)).isTrue();
        return m;
    }

    static void assertBothVerify(byte[] wire) throws Exception {
        assertBothVerify(wire, true);
    }

    /**
     * @param jdkimToo false where jDKIM is known to be wrong: it hashes an empty body as CRLF (RFC 4871's rule,
     *                 not RFC 6376's) and decodes 8-bit header bytes before hashing them; dkimpy follows RFC 6376
     */
    static void assertBothVerify(byte[] wire, boolean jdkimToo) throws Exception {
        if (jdkimToo) {
            List<Verdict> j = DkimVerifiers.jdkim(wire, keys.dns);
            assertThat(j).filteredOn(v -> "rsa2026".equals(v.selector())).singleElement()
                    .satisfies(v -> assertThat(v.ok()).as("jDKIM: %s", v.error()).isTrue());
        }
        List<Verdict> py = DkimVerifiers.dkimpy(wire, keys.dns);
        assertThat(py).hasSize(2);
        assertThat(py).extracting(Verdict::selector).containsExactly("rsa2026", "ed2026");
        assertThat(py).extracting(Verdict::algorithm).containsExactly("rsa-sha256", "ed25519-sha256");
        assertThat(py).allSatisfy(v -> assertThat(v.ok()).as("dkimpy %s: %s", v.selector(), v.error()).isTrue());
    }

    static final String[] HARD_BODIES = {
        // trailing spaces and tabs, runs of whitespace inside lines, whitespace-only and empty lines at the end
        "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject:   many    spaces\t\there  \r\n\r\n"
                + "line one   \r\n\t leading tab and  spaces\t\r\n\r\n\r\nmiddle\r\n  \r\n\t\r\n\r\n\r\n",
        // LF-only line ends everywhere (the transport makes them CRLF)
        "From: alice@example.com\nTo: bob@example.org\nSubject: lf only\n\nfirst\nsecond  \n\n",
        // no final line break
        "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: no final break\r\n\r\nthe end without CRLF",
        // an empty body
        "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: empty\r\n\r\n",
        // a lone CR in the body
        "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: lone cr\r\n\r\nbefore\rafter\r\n",
        // folded headers with tabs, repeated headers (the last one is signed first), Bcc removed
        "From: \"Alice\r\n\t Example\" <alice@example.com>\r\nTo: bob@example.org,\r\n    carol@example.org\r\n"
                + "Bcc: hidden@example.net\r\nX-Dup: first\r\nX-Dup:   second  \r\nSubject: folded\r\n  subject\r\n\r\nbody\r\n",
        // 8-bit bytes (Latin-1) in a header and in the body, as some old programs write them
        "From: J\u00f6rg <joerg@example.com>\r\nTo: bob@example.org\r\nSubject: caf\u00e9\r\n"
                + "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nd\u00e9j\u00e0 vu\r\n",
    };

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void hardMessagesVerifyWithBothIndependentVerifiers(int index) throws Exception {
        byte[] eml = HARD_BODIES[index].getBytes(StandardCharsets.ISO_8859_1);
        OutgoingMessage m = signed("hard.eml", eml);
        byte[] wire = wire(m);
        assertThat(new String(wire, StandardCharsets.ISO_8859_1)).startsWith("DKIM-Signature: v=1; a=rsa-sha256;");
        assertBothVerify(wire, index != 3 && index != 6);
    }

    @Test
    void aComposedMessageWithEverythingVerifies() throws Exception {
        String json = """
                {"from": "Zoë Ünicode <zoe@example.com>", "to": ["Jürgen <j@example.org>", "bob@example.org"],
                 "cc": "carol@example.org", "replyTo": "desk@example.com",
                 "subject": "季度报告 — Q3 — a long subject that will certainly be folded over more than one header line",
                 "text": "Grüße,\\ntrailing spaces   \\n\\n\\n", "html": "<p>Grüße <b>bold</b></p>",
                 "attachments": [{"content": "aGVsbG8gZnJvbSBvdXRib3gtbWFpbGVy", "name": "häll o.txt"}],
                 "headers": {"X-Campaign": "2026-11 kampagne ü"},
                 "unsubscribe": {"url": "https://example.com/u?id=1", "mailto": "unsubscribe@example.com"}}""";
        OutgoingMessage m = signed("all.json", json.getBytes(StandardCharsets.UTF_8));
        byte[] wire = wire(m);
        assertBothVerify(wire);
        String head = new String(wire, StandardCharsets.US_ASCII);
        // From oversigned; the draft's own header and both unsubscribe headers signed
        String hTag = head.substring(head.indexOf("h="), head.indexOf(";", head.indexOf("h="))).replaceAll("\\s", "");
        assertThat(hTag).startsWith("h=From:From:To:Cc:Reply-To:Subject:Date:Message-ID:MIME-Version:Content-Type:"
                + "List-Unsubscribe:List-Unsubscribe-Post").contains("X-Campaign");
    }

    @Test
    void aChangedBodyByteOrHeaderFailsVerification() throws Exception {
        byte[] wire = wire(signed("x.eml", HARD_BODIES[0].getBytes(StandardCharsets.ISO_8859_1)));
        assertBothVerify(wire);

        byte[] body = wire.clone();
        int at = indexOf(body, "middle");
        body[at] = 'M';
        assertThat(DkimVerifiers.jdkim(body, keys.dns)).noneMatch(Verdict::ok);
        assertThat(DkimVerifiers.dkimpy(body, keys.dns)).hasSize(2).noneMatch(Verdict::ok);

        byte[] subject = wire.clone();
        subject[indexOf(subject, "many") + 1] = 'A';
        assertThat(DkimVerifiers.jdkim(subject, keys.dns)).noneMatch(Verdict::ok);
        assertThat(DkimVerifiers.dkimpy(subject, keys.dns)).hasSize(2).noneMatch(Verdict::ok);

        // a From added above is caught by the oversigned From
        byte[] extraFrom = concat("From: mallory@example.net\r\n".getBytes(StandardCharsets.US_ASCII), wire);
        assertThat(DkimVerifiers.dkimpy(extraFrom, keys.dns)).hasSize(2).noneMatch(Verdict::ok);
    }

    @Test
    void mailFromAnotherDomainIsNotSignedButASubdomainIs() throws Exception {
        OutgoingMessage other = composer().compose(new Draft("o.eml",
                "From: a@example.org\r\nTo: b@example.org\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII), null));
        assertThat(signer.sign(other)).isFalse();
        assertThat(other.getHeader("DKIM-Signature")).isNull();
        OutgoingMessage lookalike = composer().compose(new Draft("o.eml",
                "From: a@badexample.com\r\nTo: b@example.org\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII), null));
        assertThat(signer.sign(lookalike)).isFalse();

        OutgoingMessage sub = signed("s.eml", "From: news@News.Example.COM\r\nTo: b@example.org\r\n\r\nhi\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(sub.getHeader("DKIM-Signature")[0]).contains("d=example.com;");
        assertBothVerify(wire(sub));
    }

    @Test
    void anEmlAlreadySignedByTheDomainIsLeftAlone() throws Exception {
        byte[] eml = ("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=old; h=from; bh=x; b=y\r\n"
                + "From: a@example.com\r\nTo: b@example.org\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <fixed@example.com>\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII);
        OutgoingMessage m = composer().compose(new Draft("signed.eml", eml, null));
        assertThat(signer.sign(m)).isFalse();
        assertThat(m.isSealed()).isFalse();
        assertThat(wire(m)).isEqualTo(eml);
    }

    @Test
    void anEmlGetsOnlyTheSignaturesPrepended() throws Exception {
        byte[] eml = HARD_BODIES[5].replace("Bcc: hidden@example.net\r\n", "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <fixed@example.com>\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] wire = wire(signed("p.eml", eml));
        int from = indexOf(wire, "From: \"Alice");
        assertThat(Arrays.copyOfRange(wire, from, wire.length)).isEqualTo(eml);
        String signatures = new String(wire, 0, from, StandardCharsets.US_ASCII);
        assertThat(signatures.split("\r\nDKIM-Signature:")).hasSize(2);
        for (String line : signatures.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(78);
        }
    }

    @Test
    void aSignedMessageCannotBeChanged() throws Exception {
        OutgoingMessage m = signed("x.eml", HARD_BODIES[2].getBytes(StandardCharsets.US_ASCII));
        byte[] before = wire(m);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.setHeader("Subject", "changed"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("DKIM");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.setText("other"))
                .isInstanceOf(IllegalStateException.class);
        m.saveChanges();
        assertThat(wire(m)).isEqualTo(before);
    }

    @Test
    void aLargeEmlIsSignedAsItStreamsFromDisk(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.eml");
        writeLargeEml(file, 50L * 1024 * 1024);
        OutgoingMessage m;
        try (Draft draft = Draft.ofFile("big.eml", file, dir)) {
            m = composer().compose(draft);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            assertThat(signer.sign(m)).isTrue();
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // signing reads the 50 MB once through small buffers: far less than the file is allocated
            assertThat(allocated).isLessThan(16L * 1024 * 1024);
            byte[] wire = wire(m);
            assertThat(wire.length).isGreaterThan(50 * 1024 * 1024);
            assertBothVerify(wire);
        }
    }

    /** An .eml of about {@code size} bytes: a base64 attachment of varied lines, as a mail program writes one. */
    static void writeLargeEml(Path file, long size) throws Exception {
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(("From: Big <big@example.com>\r\nTo: bob@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
                    + "see attachment  \r\n--b1\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Transfer-Encoding: base64\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            java.util.Random random = new java.util.Random(42);
            byte[] raw = new byte[57];
            long written = 0;
            while (written < size) {
                random.nextBytes(raw);
                byte[] line = (java.util.Base64.getEncoder().encodeToString(raw) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                out.write(line);
                written += line.length;
            }
            out.write("--b1--\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    static int indexOf(byte[] haystack, String needle) {
        String s = new String(haystack, StandardCharsets.ISO_8859_1);
        int at = s.indexOf(needle);
        assertThat(at).as("'%s' in the message", needle).isNotNegative();
        return at;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
