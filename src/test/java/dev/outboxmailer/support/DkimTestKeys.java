package dev.outboxmailer.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * DKIM key pairs made by the JDK for the tests, written as PKCS#8 PEM files like {@code openssl genpkey} writes
 * them. Their DNS TXT records are built here from the JDK's own public keys, independently of the mailer's
 * signer (which derives the public key from the private one), and served to the verifiers by a test DNS function.
 */
public final class DkimTestKeys {
    public static final String DOMAIN = "example.com";

    /** selector._domainkey.domain → TXT record: what the test DNS function answers. */
    public final Map<String, String> dns = new HashMap<>();
    public final Path rsaPem;
    public final Path ed25519Pem;
    public final String domain;

    private DkimTestKeys(Path dir, String domain) throws Exception {
        this.domain = domain;
        Files.createDirectories(dir);
        rsaPem = dir.resolve("rsa.pem");
        ed25519Pem = dir.resolve("ed.pem");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
        KeyPair r = rsa.generateKeyPair();
        writePem(rsaPem, r.getPrivate());
        dns.put("rsa2026._domainkey." + domain, "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(r.getPublic().getEncoded()));
        KeyPair e = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        writePem(ed25519Pem, e.getPrivate());
        byte[] spki = e.getPublic().getEncoded();
        byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        dns.put("ed2026._domainkey." + domain, "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(raw));
    }

    public static DkimTestKeys create(Path dir) throws Exception {
        return new DkimTestKeys(dir, DOMAIN);
    }

    /** Keys for another domain. */
    public static DkimTestKeys create(Path dir, String domain) throws Exception {
        return new DkimTestKeys(dir, domain);
    }

    /** Settings that sign mail from example.com with both keys: selectors rsa2026 and ed2026. */
    public Map<String, String> settings() {
        return settings("dkim.");
    }

    /** The same under another prefix: {@code dkim.partner.} for a named set a watched folder chooses. */
    public Map<String, String> settings(String prefix) {
        Map<String, String> s = new HashMap<>();
        s.put(prefix + "domain", domain);
        s.put(prefix + "selector", "rsa2026,ed2026");
        s.put(prefix + "key-file", rsaPem + "," + ed25519Pem);
        return s;
    }

    public static void writePem(Path file, PrivateKey key) throws IOException {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
    }

    /** An RSA key of {@code bits} bits, as PEM. */
    public static void writeRsa(Path file, int bits) throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(new RSAKeyGenParameterSpec(bits, BigInteger.valueOf(65537)));
        writePem(file, rsa.generateKeyPair().getPrivate());
    }
}
