package dev.outboxmailer.support;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;

/**
 * A real SMTP server (SubEthaSMTP) on loopback that requires STARTTLS (the test certificate for
 * {@code localhost}) and offers one login only, {@code AUTH XOAUTH2}, for one mailbox: it asks the
 * {@link TokenEndpoint} whether the bearer token is good, and refuses a bad one the way Gmail and Exchange
 * do ({@code 334} with an error JSON, then {@code 535}). What it accepts is kept as raw text.
 */
public final class XOAuth2SmtpServer implements AutoCloseable {
    private final TokenEndpoint tokens;
    private final String mailbox;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> acceptedTokens = new CopyOnWriteArrayList<>();
    private final List<String> refusedTokens = new CopyOnWriteArrayList<>();
    private final AtomicInteger logins = new AtomicInteger();
    private SMTPServer server;
    private int port;

    private XOAuth2SmtpServer(TokenEndpoint tokens, String mailbox) {
        this.tokens = tokens;
        this.mailbox = mailbox;
        listen(0);
    }

    public static XOAuth2SmtpServer start(TokenEndpoint tokens, String mailbox) {
        return new XOAuth2SmtpServer(tokens, mailbox);
    }

    private void listen(int on) {
        server = SMTPServer.port(on)
                .bindAddress(InetAddress.getLoopbackAddress())
                .enableTLS()
                .requireTLS()
                .startTlsSocketFactory(serverTls())
                .authenticationHandlerFactory(new XOAuth2())
                .requireAuth()
                .messageHandler((context, from, to, data) -> received.add(new String(data, StandardCharsets.UTF_8)))
                .build();
        server.start();
        port = server.getPortAllocated();
    }

    /** Stops and starts again on the same port: every open connection is gone. */
    public void restart() {
        server.stop();
        listen(port);
    }

    public int port() {
        return port;
    }

    public List<String> received() {
        return List.copyOf(received);
    }

    /** The tokens it took, in order (one per login). */
    public List<String> acceptedTokens() {
        return List.copyOf(acceptedTokens);
    }

    /** The tokens it refused. */
    public List<String> refusedTokens() {
        return List.copyOf(refusedTokens);
    }

    public int logins() {
        return logins.get();
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class XOAuth2 implements AuthenticationHandlerFactory {
        @Override
        public List<String> getAuthenticationMechanisms() {
            return List.of("XOAUTH2");
        }

        @Override
        public AuthenticationHandler create() {
            return new AuthenticationHandler() {
                private boolean failed;
                private String identity;

                @Override
                public Optional<String> auth(String clientInput, MessageContext context) throws RejectException {
                    if (failed) { // the client's empty reply to the error challenge
                        throw new RejectException(535, "5.7.8 Username and Password not accepted");
                    }
                    String[] parts = clientInput.trim().split(" ");
                    if (parts.length < 3 || !parts[1].equalsIgnoreCase("XOAUTH2")) {
                        throw new RejectException(501, "5.5.2 AUTH XOAUTH2 with an initial response, please");
                    }
                    logins.incrementAndGet();
                    String sasl = new String(Base64.getDecoder().decode(parts[2]), StandardCharsets.UTF_8);
                    String user = null;
                    String token = null;
                    for (String field : sasl.split("\u0001")) {
                        if (field.startsWith("user=")) {
                            user = field.substring(5);
                        } else if (field.startsWith("auth=Bearer ")) {
                            token = field.substring(12);
                        }
                    }
                    if (mailbox.equals(user) && token != null && sasl.endsWith("\u0001\u0001") && tokens.valid(token)) {
                        acceptedTokens.add(token);
                        identity = user;
                        return Optional.empty(); // 235
                    }
                    refusedTokens.add(String.valueOf(token));
                    failed = true;
                    String error = "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}";
                    return Optional.of("334 " + Base64.getEncoder().encodeToString(error.getBytes(StandardCharsets.UTF_8)));
                }

                @Override
                public Object getIdentity() {
                    return identity;
                }
            };
        }
    }

    private static SSLContext serverTls() {
        try {
            TestCertificates certs = TestCertificates.install();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(certs.serverKeystore)) {
                store.load(in, TestCertificates.PASSWORD.toCharArray());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, TestCertificates.PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
