package dev.outboxmailer.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private CA and a server certificate for {@code localhost} (DNS name only, no IP address), made once
 * per test run. GreenMail's SMTPS server presents it (through its keystore system properties); the
 * application trusts the CA through {@code smtp.trust-store}. A second, unrelated CA stands for "a
 * certificate nobody trusts".
 */
public final class TestCertificates {
    public static final String PASSWORD = "changeit";
    private static TestCertificates instance;

    public final Path caPem;
    public final Path otherCaPem;
    public final Path serverKeystore;

    private TestCertificates(Path dir) throws Exception {
        Files.createDirectories(dir);
        KeyPair caKeys = keys();
        X509Certificate ca = certificate("CN=outbox-mailer test CA", caKeys, "CN=outbox-mailer test CA", caKeys, true, null);
        KeyPair serverKeys = keys();
        X509Certificate server = certificate("CN=localhost", serverKeys, "CN=outbox-mailer test CA", caKeys, false, "localhost");
        KeyPair otherKeys = keys();
        X509Certificate other = certificate("CN=someone else's CA", otherKeys, "CN=someone else's CA", otherKeys, true, null);

        caPem = dir.resolve("ca.pem");
        Files.writeString(caPem, pem(ca));
        otherCaPem = dir.resolve("other-ca.pem");
        Files.writeString(otherCaPem, pem(other));

        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("greenmail", serverKeys.getPrivate(), PASSWORD.toCharArray(), new X509Certificate[] {server, ca});
        serverKeystore = dir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(serverKeystore)) {
            store.store(out, PASSWORD.toCharArray());
        }
    }

    /** Makes the certificates (once) and has GreenMail's TLS servers present the localhost one. */
    public static synchronized TestCertificates install() {
        if (instance == null) {
            try {
                instance = new TestCertificates(Path.of("target", "test-tls").toAbsolutePath());
            } catch (Exception e) {
                throw new IllegalStateException("cannot make test certificates", e);
            }
            System.setProperty("greenmail.tls.keystore.file", instance.serverKeystore.toString());
            System.setProperty("greenmail.tls.keystore.password", PASSWORD);
            System.setProperty("greenmail.tls.key.password", PASSWORD);
        }
        return instance;
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
                                               boolean isCa, String dnsName) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(30))), new X500Name(subject), subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (isCa) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static String pem(X509Certificate cert) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(cert);
        }
        return out.toString();
    }
}
