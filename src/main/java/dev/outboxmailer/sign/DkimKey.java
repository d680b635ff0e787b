package dev.outboxmailer.sign;

import dev.outboxmailer.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One DKIM signing key (SPEC §12): a selector of {@code dkim.domain} and the PEM private key file for it,
 * RSA of 2048 bits or more ({@code rsa-sha256}) or Ed25519 ({@code ed25519-sha256}, RFC 8463). Loading it
 * checks the key and derives the public key that the selector's DNS TXT record must publish; a key that
 * cannot work is a {@link ConfigException} naming {@code dkim.key-file} and the file (never its content).
 */
public final class DkimKey {
    static final int MIN_RSA_BITS = 2048;
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    /** DER of the AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1, NULL parameters). */
    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32 key bytes. */
    private static final byte[] ED25519_PUBLIC_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    /** The two algorithms DKIM signs with. */
    public enum Algorithm {
        RSA("rsa-sha256", "rsa"), ED25519("ed25519-sha256", "ed25519");

        final String tag;
        final String keyType;

        Algorithm(String tag, String keyType) {
            this.tag = tag;
            this.keyType = keyType;
        }
    }

    private final String domain;
    private final String selector;
    private final Path file;
    private final Algorithm algorithm;
    private final PrivateKey privateKey;
    private final byte[] publicKey;
    private final int bits;

    private DkimKey(String domain, String selector, Path file, Algorithm algorithm, PrivateKey privateKey,
                    byte[] publicKey, int bits) {
        this.domain = domain;
        this.selector = selector;
        this.file = file;
        this.algorithm = algorithm;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.bits = bits;
    }

    /** Reads and checks the key in {@code file} for {@code selector._domainkey.domain}. */
    public static DkimKey load(String domain, String selector, Path file) {
        return load(domain, selector, file, "dkim.key-file");
    }

    /** @param key the configuration key errors name ({@code dkim.key-file}, or a folder's {@code dkim.<name>.key-file}) */
    static DkimKey load(String domain, String selector, Path file, String key) {
        return new Loader(key).load(domain, selector, file);
    }

    /** Loading, with the configuration key its errors name. */
    private record Loader(String configKey) {
        DkimKey load(String domain, String selector, Path file) {
            Path shown = file.toAbsolutePath().normalize();
            String text;
            try {
                text = Files.readString(file, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw new ConfigException(configKey, "cannot read " + shown);
            }
            Matcher pem = PEM.matcher(text);
            if (!pem.find()) {
                throw new ConfigException(configKey, shown + " is not a PEM private key (a file starting with -----BEGIN PRIVATE KEY-----); "
                        + "make one with: openssl genpkey -algorithm ed25519 -out " + file.getFileName());
            }
            String type = pem.group(1);
            String body = pem.group(2);
            if (type.contains("ENCRYPTED") || body.contains("ENCRYPTED")) {
                throw new ConfigException(configKey, shown + " is encrypted with a passphrase, which outbox-mailer cannot type in; "
                        + "store it unencrypted and readable by the mailer only: openssl pkey -in " + file.getFileName()
                        + " -out plain.pem && chmod 600 plain.pem");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(body.replaceAll("[^A-Za-z0-9+/=]", ""));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(configKey, shown + " is not a PEM private key: its base64 text is damaged");
            }
            byte[] pkcs8 = switch (type) {
                case "PRIVATE KEY" -> der;
                case "RSA PRIVATE KEY" -> pkcs8OfRsa(der); // PKCS#1, as older openssl genrsa writes it
                case "EC PRIVATE KEY" -> throw wrongType(shown, "an EC (ECDSA) key");
                case "DSA PRIVATE KEY" -> throw wrongType(shown, "a DSA key");
                case "OPENSSH PRIVATE KEY" -> throw wrongType(shown, "an OpenSSH key");
                default -> throw new ConfigException(configKey, shown + " holds a " + type.toLowerCase(Locale.ROOT)
                        + ", not a private key (-----BEGIN PRIVATE KEY-----)");
            };
            PrivateKey key = parse(shown, pkcs8);
            if (key instanceof RSAPrivateKey rsa) {
                int bits = rsa.getModulus().bitLength();
                if (bits < MIN_RSA_BITS) {
                    throw new ConfigException(configKey, shown + " is a " + bits + "-bit RSA key; DKIM keys must have at least "
                            + MIN_RSA_BITS + " bits (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "
                            + file.getFileName() + ")");
                }
                if (!(rsa instanceof RSAPrivateCrtKey crt)) {
                    throw new ConfigException(configKey, shown + " is an RSA key without its public exponent; write it again with: "
                            + "openssl pkey -in " + file.getFileName() + " -out new.pem");
                }
                PublicKey pub;
                try {
                    pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
                } catch (GeneralSecurityException e) {
                    throw new ConfigException(configKey, shown + ": the public key cannot be derived from it (" + e.getMessage() + ")");
                }
                DkimKey k = new DkimKey(domain, selector, shown, Algorithm.RSA, key, pub.getEncoded(), bits);
                k.selfCheck(pub, configKey);
                return k;
            }
            EdECPrivateKey ed = (EdECPrivateKey) key;
            byte[] seed = ed.getBytes().orElseThrow(() -> new ConfigException(configKey, shown + ": the Ed25519 key has no private bytes"));
            byte[] pub = Ed25519PublicKey.of(seed);
            DkimKey k = new DkimKey(domain, selector, shown, Algorithm.ED25519, key, pub, 256);
            try {
                k.selfCheck(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_PUBLIC_PREFIX, pub))), configKey);
            } catch (GeneralSecurityException e) {
                throw new ConfigException(configKey, shown + ": the public key cannot be derived from it (" + e.getMessage() + ")");
            }
            return k;
        }

        private PrivateKey parse(Path shown, byte[] pkcs8) {
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
            try {
                return KeyFactory.getInstance("RSA").generatePrivate(spec);
            } catch (InvalidKeySpecException | RuntimeException e) {
                // not RSA: try the others below
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            try {
                PrivateKey k = KeyFactory.getInstance("EdDSA").generatePrivate(spec);
                if (k instanceof EdECPrivateKey ed && "Ed25519".equalsIgnoreCase(ed.getParams().getName())) {
                    return k;
                }
                throw wrongType(shown, "an Ed448 key");
            } catch (InvalidKeySpecException | RuntimeException e) {
                if (e instanceof ConfigException c) {
                    throw c;
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            for (String[] other : new String[][] {{"EC", "an EC (ECDSA) key"}, {"DSA", "a DSA key"}, {"XDH", "an X25519/X448 key"}}) {
                try {
                    KeyFactory.getInstance(other[0]).generatePrivate(spec);
                    throw wrongType(shown, other[1]);
                } catch (InvalidKeySpecException | RuntimeException e) {
                    if (e instanceof ConfigException c) {
                        throw c;
                    }
                } catch (GeneralSecurityException e) {
                    // that algorithm is not there: not this key's type either
                }
            }
            throw new ConfigException(configKey, shown + " is not a private key outbox-mailer can read (PKCS#8 PEM, RSA or Ed25519)");
        }

        private ConfigException wrongType(Path shown, String what) {
            return new ConfigException(configKey, shown + " is " + what + "; DKIM signs with RSA (2048 bits or more) or Ed25519 keys "
                    + "(openssl genpkey -algorithm ed25519 -out ed.pem)");
        }
    }

    /** Signs a test text and verifies it with the derived public key: what DNS will publish matches the key. */
    private void selfCheck(PublicKey pub, String key) {
        byte[] probe = "outbox-mailer DKIM key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature verifier = Signature.getInstance(algorithm == Algorithm.RSA ? "SHA256withRSA" : "Ed25519");
            verifier.initVerify(pub);
            verifier.update(algorithm == Algorithm.RSA ? probe : sha256(probe));
            if (!verifier.verify(sign(probe))) {
                throw new ConfigException(key, file + ": the public key derived from it does not verify its signatures");
            }
        } catch (GeneralSecurityException e) {
            throw new ConfigException(key, file + ": the key cannot sign (" + e.getMessage() + ")");
        }
    }

    /**
     * The signature over the canonicalised header data: RSASSA-PKCS1-v1_5 with SHA-256 for RSA; for Ed25519 the
     * pure Ed25519 signature of the SHA-256 hash of that data (RFC 8463 §3).
     */
    byte[] sign(byte[] data) throws GeneralSecurityException {
        Signature signer = Signature.getInstance(algorithm == Algorithm.RSA ? "SHA256withRSA" : "Ed25519");
        signer.initSign(privateKey);
        signer.update(algorithm == Algorithm.RSA ? data : sha256(data));
        return signer.sign();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String domain() {
        return domain;
    }

    public String selector() {
        return selector;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    /** {@code rsa2026._domainkey.example.com}: where the public key is looked up. */
    public String dnsName() {
        return selector + "._domainkey." + domain;
    }

    /** The TXT record the selector needs: {@code v=DKIM1; k=rsa; p=...}. */
    public String dnsRecord() {
        return "v=DKIM1; k=" + algorithm.keyType + "; p=" + Base64.getEncoder().encodeToString(publicKey);
    }

    /** {@code 2048-bit RSA} or {@code Ed25519}: for the log. */
    public String describe() {
        return algorithm == Algorithm.RSA ? bits + "-bit RSA, rsa-sha256" : "Ed25519, ed25519-sha256";
    }

    @Override
    public String toString() {
        return dnsName() + " (" + describe() + ", " + file + ")";
    }

    /** A PKCS#1 RSAPrivateKey wrapped as PKCS#8: SEQUENCE { 0, rsaEncryption, OCTET STRING pkcs1 }. */
    private static byte[] pkcs8OfRsa(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der(0x04, pkcs1);
        return der(0x30, concat(concat(version, RSA_ALGORITHM), octets));
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 128) {
            out.write(n);
        } else {
            byte[] len = java.math.BigInteger.valueOf(n).toByteArray();
            int skip = len[0] == 0 ? 1 : 0;
            out.write(0x80 | (len.length - skip));
            out.write(len, skip, len.length - skip);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
