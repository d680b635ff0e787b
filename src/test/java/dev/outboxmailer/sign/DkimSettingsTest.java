package dev.outboxmailer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.support.DkimTestKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dkim.* keys: one-line errors naming the key (and the key file) for everything that cannot work. */
class DkimSettingsTest {
    @TempDir
    static Path dir;
    static DkimTestKeys keys;

    @BeforeAll
    static void keys() throws Exception {
        keys = DkimTestKeys.create(dir.resolve("keys"));
    }

    static Optional<DkimSigner> read(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return DkimSettings.read(k -> Optional.ofNullable(map.get(k)), Clock.systemUTC());
    }

    @Test
    void nothingSetSignsNothing() {
        assertThat(read()).isEmpty();
    }

    @Test
    void bothKeysLoadAndTheirDnsRecordsAreThePublicKeys() {
        DkimSigner signer = read("dkim.domain", "Example.COM", "dkim.selector", "rsa2026, ed2026",
                "dkim.key-file", keys.rsaPem + " , " + keys.ed25519Pem).orElseThrow();
        assertThat(signer.domain()).isEqualTo("example.com");
        assertThat(signer.keys()).extracting(DkimKey::dnsName)
                .containsExactly("rsa2026._domainkey.example.com", "ed2026._domainkey.example.com");
        // the records the JDK's own key pairs give (the Ed25519 one derived independently by the signer)
        assertThat(signer.keys()).extracting(DkimKey::dnsRecord).containsExactly(
                keys.dns.get("rsa2026._domainkey.example.com"), keys.dns.get("ed2026._domainkey.example.com"));
        assertThat(signer.keys().get(0).describe()).isEqualTo("2048-bit RSA, rsa-sha256");
    }

    @Test
    void aPkcs1RsaKeyAsOlderOpensslWritesItIsRead() throws Exception {
        // the PKCS#1 body inside the PKCS#8 one: SEQUENCE { version, algorithm, OCTET STRING { pkcs1 } }
        String pem = Files.readString(keys.rsaPem);
        byte[] pkcs8 = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").strip());
        int octet = 4 + 3 + 15; // SEQUENCE header (4), version (3), AlgorithmIdentifier (15)
        int len = ((pkcs8[octet + 2] & 0xff) << 8) | (pkcs8[octet + 3] & 0xff);
        byte[] pkcs1 = java.util.Arrays.copyOfRange(pkcs8, octet + 4, octet + 4 + len);
        Path file = dir.resolve("pkcs1.pem");
        Files.writeString(file, "-----BEGIN RSA PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(pkcs1) + "\n-----END RSA PRIVATE KEY-----\n");
        DkimKey key = DkimKey.load("example.com", "rsa2026", file);
        assertThat(key.dnsRecord()).isEqualTo(keys.dns.get("rsa2026._domainkey.example.com"));
    }

    @Test
    void aKeyThatCannotBeReadNamesTheFile() {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", missing.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("dkim.key-file: cannot read " + missing.toAbsolutePath());
    }

    @Test
    void aShortRsaKeyIsRefused() throws Exception {
        Path weak = dir.resolve("weak.pem");
        DkimTestKeys.writeRsa(weak, 1024);
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", weak.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dkim.key-file: " + weak.toAbsolutePath() + " is a 1024-bit RSA key; DKIM keys must have at least 2048 bits");
    }

    @Test
    void anEcKeyIsNotRsaOrEd25519() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        Path file = dir.resolve("ec.pem");
        DkimTestKeys.writePem(file, ec.generateKeyPair().getPrivate());
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dkim.key-file: " + file.toAbsolutePath() + " is an EC (ECDSA) key; DKIM signs with RSA");
    }

    @Test
    void aFileThatIsNoKeyIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "my key is somewhere else\n");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dkim.key-file: " + file.toAbsolutePath() + " is not a PEM private key");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", cert.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("holds a certificate, not a private key");
        Path encrypted = Files.writeString(dir.resolve("enc.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", encrypted.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is encrypted with a passphrase");
    }

    @Test
    void selectorsAndKeysMustPair() {
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "rsa2026,ed2026",
                "dkim.key-file", keys.rsaPem.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("dkim.selector: 2 selector(s) (rsa2026, ed2026) but 1 key file(s) in dkim.key-file ("
                        + keys.rsaPem + "): give one selector per key, in the same order");
        assertThatThrownBy(() -> read("dkim.selector", "s1", "dkim.key-file", keys.rsaPem.toString()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("dkim.domain: not set");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.key-file", keys.rsaPem.toString()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("dkim.selector: not set");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("dkim.key-file: not set");
        assertThatThrownBy(() -> read("dkim.domain", "not a domain", "dkim.selector", "s1", "dkim.key-file", keys.rsaPem.toString()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("dkim.domain: 'not a domain' is not a domain name");
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", keys.rsaPem.toString(),
                "dkim.headers", "To,Subject"))
                .isInstanceOf(ConfigException.class).hasMessage("dkim.headers: must include From (RFC 6376 requires it to be signed)");
    }

    @Test
    void theKeyNeverAppearsInAnError() throws Exception {
        String pem = Files.readString(keys.rsaPem);
        Path damaged = Files.writeString(dir.resolve("damaged.pem"), pem.substring(0, pem.length() / 2) + "\n-----END PRIVATE KEY-----\n");
        String secret = pem.split("\n")[3];
        assertThatThrownBy(() -> read("dkim.domain", "example.com", "dkim.selector", "s1", "dkim.key-file", damaged.toString()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("dkim.key-file: ").doesNotContain(secret));
    }

    @Test
    void aFoldersNamedSetIsCheckedAtStartAndAnUnknownNameFailsTheDraftSayingWhy() throws Exception {
        Path weak = dir.resolve("weak-partner.pem");
        DkimTestKeys.writeRsa(weak, 1024);
        Map<String, String> map = new HashMap<>(keys.settings("dkim.partner."));
        map.put("dkim.partner.key-file", weak + "," + keys.ed25519Pem);
        assertThatThrownBy(() -> Dkim.create(k -> Optional.ofNullable(map.get(k)), java.util.List.of("partner")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("dkim.partner.key-file: " + weak.toAbsolutePath() + " is a 1024-bit RSA key");

        Dkim none = Dkim.create(k -> Optional.empty(), java.util.List.of());
        var message = new dev.outboxmailer.compose.Composer(new dev.outboxmailer.compose.ComposeSettings(null, java.util.List.of(), 1 << 20))
                .compose(new dev.outboxmailer.compose.Draft("x.eml",
                        "From: a@example.com\r\nTo: b@example.org\r\n\r\nhi\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), null));
        assertThatThrownBy(() -> none.sign(message, folder("partner")))
                .isInstanceOf(dev.outboxmailer.compose.InvalidDraftException.class)
                .hasMessageContaining("dkim.partner.domain, .selector and .key-file are not in the configuration");
        none.sign(message, folder(""));
        none.sign(message, null);
        assertThat(message.getHeader("DKIM-Signature")).isNull();
    }

    /** A draft of a watched folder whose dkim parameter names a key set ("" for none). */
    static dev.outboxmailer.message.DraftSource folder(String keys) {
        return new dev.outboxmailer.message.DraftSource("x.eml", null, null, null,
                keys.isEmpty() ? Map.of() : Map.of("dkim", keys));
    }

    /** The README's openssl commands: their keys load, and the DNS records agree with what openssl derives. */
    @Test
    void keysMadeByOpensslAsTheReadmeSaysGiveTheRecordsOpensslPrints() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(run(dir, "openssl", "version") != null, "openssl is not installed");
        Path keys = Files.createDirectories(dir.resolve("openssl"));
        run(keys, "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa2026.pem");
        run(keys, "openssl", "genpkey", "-algorithm", "ed25519", "-out", "ed2026.pem");
        run(keys, "openssl", "genrsa", "-traditional", "-out", "old.pem", "2048");
        String rsa = run(keys, "sh", "-c", "openssl pkey -in rsa2026.pem -pubout -outform DER | openssl base64 -A");
        String ed = run(keys, "sh", "-c", "openssl pkey -in ed2026.pem -pubout -outform DER | tail -c 32 | openssl base64 -A");
        String old = run(keys, "sh", "-c", "openssl pkey -in old.pem -pubout -outform DER | openssl base64 -A");
        assertThat(DkimKey.load("example.com", "rsa2026", keys.resolve("rsa2026.pem")).dnsRecord()).isEqualTo("v=DKIM1; k=rsa; p=" + rsa.strip());
        assertThat(DkimKey.load("example.com", "ed2026", keys.resolve("ed2026.pem")).dnsRecord()).isEqualTo("v=DKIM1; k=ed25519; p=" + ed.strip());
        assertThat(DkimKey.load("example.com", "old", keys.resolve("old.pem")).dnsRecord()).isEqualTo("v=DKIM1; k=rsa; p=" + old.strip());
    }

    /** Runs a command in {@code dir}: its output, or null when it cannot be run or fails. */
    static String run(Path dir, String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(false).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
