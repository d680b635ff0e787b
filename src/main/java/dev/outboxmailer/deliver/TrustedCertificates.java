package dev.outboxmailer.deliver;

import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates a server may present: the JDK's public CAs, plus those of {@code smtp.trust-store}
 * (a PEM file or a PKCS12 store), for a private CA. Hostnames are verified regardless.
 */
public final class TrustedCertificates {
    private TrustedCertificates() {}

    /** Reads {@code smtp.trust-store} once, so that a file that is not a trust store stops the start. */
    public static void requireLoadable(Path trustStore) {
        if (trustStore != null) {
            load(trustStore);
        }
    }

    public static SSLContext sslContext(Path trustStore) {
        try {
            List<X509TrustManager> managers = new ArrayList<>();
            managers.add(trustManager(null)); // the JDK's cacerts
            if (trustStore != null) {
                managers.add(trustManager(load(trustStore)));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyOfTrustManagers(managers)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JVM: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            if (new String(bytes, 0, Math.min(bytes.length, 4096), java.nio.charset.StandardCharsets.US_ASCII)
                    .contains("-----BEGIN CERTIFICATE-----")) {
                store.load(null, null);
                Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                        .generateCertificates(new java.io.ByteArrayInputStream(bytes));
                int i = 0;
                for (Certificate c : certs) {
                    store.setCertificateEntry("trusted-" + i++, c);
                }
                if (i == 0) {
                    throw new ConfigException("smtp.trust-store", file + " holds no certificate");
                }
            } else {
                store = KeyStore.getInstance("PKCS12");
                try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
                    store.load(in, new char[0]);
                }
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("smtp.trust-store",
                    "cannot read " + file.toAbsolutePath() + " as PEM certificates or a PKCS12 store"
                            + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
    }

    private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }

    /** Trusts a chain that any one of its managers trusts. */
    private static final class AnyOfTrustManagers extends javax.net.ssl.X509ExtendedTrustManager {
        private final List<X509TrustManager> managers;

        AnyOfTrustManagers(List<X509TrustManager> managers) {
            this.managers = managers;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            check(tm -> ((javax.net.ssl.X509ExtendedTrustManager) tm).checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                throws java.security.cert.CertificateException {
            check(tm -> ((javax.net.ssl.X509ExtendedTrustManager) tm).checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            check(tm -> tm.checkServerTrusted(chain, authType));
        }

        private void check(Check check) throws java.security.cert.CertificateException {
            java.security.cert.CertificateException last = null;
            for (X509TrustManager tm : managers) {
                try {
                    check.run(tm);
                    return;
                } catch (java.security.cert.CertificateException e) {
                    last = e;
                }
            }
            throw last;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("client certificates are not accepted");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("client certificates are not accepted");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("client certificates are not accepted");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return managers.stream().flatMap(tm -> java.util.Arrays.stream(tm.getAcceptedIssuers()))
                    .toArray(X509Certificate[]::new);
        }

        @FunctionalInterface
        private interface Check {
            void run(X509TrustManager tm) throws java.security.cert.CertificateException;
        }
    }
}
