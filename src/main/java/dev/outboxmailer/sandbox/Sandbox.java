package dev.outboxmailer.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in stand-in for a mail server, used when no {@code smtp.host} is configured: an SMTP server
 * on loopback that accepts everything and keeps each message, exactly as received, as
 * {@code sandbox/<n>.eml}. Nothing leaves the machine.
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);

    private final Path folder;
    private final AtomicLong counter;
    private final SMTPServer server;

    private Sandbox(Path folder) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.counter = new AtomicLong(highestNumber(this.folder));
        this.server = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("outbox-mailer-sandbox")
                .insertReceivedHeaders(false)
                .messageHandlerFactory(this::handler)
                .build();
    }

    /** Starts a sandbox that keeps its messages in {@code folder}. */
    public static Sandbox start(Path folder) throws IOException {
        Sandbox sandbox = new Sandbox(folder);
        sandbox.server.start();
        LOG.warn("SANDBOX: no smtp.host is configured, so NOTHING LEAVES THIS MACHINE. Every message is kept in {}"
                + " — set smtp.host (or SMTP_HOST) to deliver for real.", sandbox.folder.toAbsolutePath());
        return sandbox;
    }

    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    public int port() {
        return server.getPortAllocated();
    }

    public Path folder() {
        return folder;
    }

    @Override
    public void close() {
        server.stop();
    }

    private MessageHandler handler(MessageContext context) {
        return new MessageHandler() {
            @Override
            public void from(String from) {
                // everything is accepted
            }

            @Override
            public void recipient(String recipient) {
                // everything is accepted
            }

            @Override
            public String data(InputStream data) throws IOException {
                keep(data);
                return null;
            }

            @Override
            public void done() {
                // nothing to clean up
            }
        };
    }

    private void keep(InputStream data) throws IOException {
        Path tmp = Files.createTempFile(folder, ".receiving-", ".tmp");
        try {
            Files.copy(data, tmp, StandardCopyOption.REPLACE_EXISTING);
            while (true) {
                Path target = folder.resolve(counter.incrementAndGet() + ".eml");
                if (!Files.exists(target)) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                    return;
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static long highestNumber(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("\\d+\\.eml"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, n.length() - 4)))
                    .max().orElse(0);
        }
    }
}
