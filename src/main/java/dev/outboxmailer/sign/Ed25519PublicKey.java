package dev.outboxmailer.sign;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The public key of an Ed25519 private key (its 32-byte seed), as RFC 8032 §5.1.5 computes it. The JDK
 * reads and signs with Ed25519 keys but has no public API that derives the public half, and a PEM file
 * made by {@code openssl genpkey -algorithm ed25519} holds the seed alone; the DNS record needs the public
 * key. This runs once per key at start, and {@link DkimKey} checks the result with a signature the JDK verifies.
 */
final class Ed25519PublicKey {
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665).multiply(inverse(BigInteger.valueOf(121666))).mod(P);
    private static final BigInteger SQRT_M1 = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
    private static final BigInteger[] BASE;

    static {
        BigInteger y = BigInteger.valueOf(4).multiply(inverse(BigInteger.valueOf(5))).mod(P);
        BigInteger x = recoverX(y);
        BASE = new BigInteger[] {x, y, BigInteger.ONE, x.multiply(y).mod(P)};
    }

    private Ed25519PublicKey() {}

    /** The 32-byte public key (RFC 8032 encoding) of the 32-byte private key {@code seed}. */
    static byte[] of(byte[] seed) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-512").digest(seed);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] low = new byte[32];
        for (int i = 0; i < 32; i++) {
            low[i] = h[31 - i]; // little-endian to BigInteger's big-endian
        }
        BigInteger a = new BigInteger(1, low);
        a = a.and(BigInteger.ONE.shiftLeft(254).subtract(BigInteger.valueOf(8))).or(BigInteger.ONE.shiftLeft(254));
        return compress(multiply(a, BASE));
    }

    private static BigInteger inverse(BigInteger x) {
        return x.modPow(P.subtract(BigInteger.TWO), P);
    }

    private static BigInteger recoverX(BigInteger y) {
        BigInteger x2 = y.multiply(y).subtract(BigInteger.ONE).multiply(inverse(D.multiply(y).multiply(y).add(BigInteger.ONE))).mod(P);
        BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
        if (!x.multiply(x).subtract(x2).mod(P).equals(BigInteger.ZERO)) {
            x = x.multiply(SQRT_M1).mod(P);
        }
        return x.testBit(0) ? P.subtract(x) : x; // the base point's x is even
    }

    /** Point addition in extended coordinates (RFC 8032 §5.1.4). */
    private static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
        BigInteger a = p[1].subtract(p[0]).multiply(q[1].subtract(q[0])).mod(P);
        BigInteger b = p[1].add(p[0]).multiply(q[1].add(q[0])).mod(P);
        BigInteger c = p[3].multiply(BigInteger.TWO).multiply(D).multiply(q[3]).mod(P);
        BigInteger d = p[2].multiply(BigInteger.TWO).multiply(q[2]).mod(P);
        BigInteger e = b.subtract(a);
        BigInteger f = d.subtract(c);
        BigInteger g = d.add(c);
        BigInteger h = b.add(a);
        return new BigInteger[] {e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P)};
    }

    private static BigInteger[] multiply(BigInteger s, BigInteger[] point) {
        BigInteger[] q = {BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO};
        BigInteger[] p = point;
        while (s.signum() > 0) {
            if (s.testBit(0)) {
                q = add(q, p);
            }
            p = add(p, p);
            s = s.shiftRight(1);
        }
        return q;
    }

    private static byte[] compress(BigInteger[] point) {
        BigInteger zInverse = inverse(point[2]);
        BigInteger x = point[0].multiply(zInverse).mod(P);
        BigInteger y = point[1].multiply(zInverse).mod(P);
        BigInteger encoded = x.testBit(0) ? y.setBit(255) : y;
        byte[] big = encoded.toByteArray(); // big-endian, maybe with a sign byte or shorter than 32
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < big.length; i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }
}
