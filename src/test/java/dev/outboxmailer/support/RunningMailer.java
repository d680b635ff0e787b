package dev.outboxmailer.support;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.OutboxMailer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.main.Main;

/**
 * The real application, started in this JVM with the project's real YAML routes ({@code routes/}) and
 * its own outbox under a temporary folder. Drafts are dropped the way a careful user does (write
 * {@code .tmp}, then rename); outcomes are read from the folders a user looks at.
 */
public final class RunningMailer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path outbox;
    public final Path sandbox;
    private final Main main;

    private RunningMailer(Path dir, Map<String, String> settings) throws Exception {
        this.outbox = dir.resolve("outbox");
        this.sandbox = dir.resolve("sandbox");
        Map<String, String> all = new HashMap<>();
        all.put("outbox.dir", outbox.toString());
        all.put("sandbox.dir", sandbox.toString());
        all.put("outbox.poll-delay", "100");
        all.put("outbox.settle-time", "100");
        all.put("camel.management.port", "0"); // a test that reads /observe gives a free port of its own
        all.putAll(settings);
        this.main = OutboxMailer.create(all);
        main.start();
    }

    public static RunningMailer start(Path dir, Map<String, String> settings) throws Exception {
        return new RunningMailer(dir, settings);
    }

    /** Settings that deliver to a GreenMail SMTPS server on localhost, trusting the test CA. */
    public static Map<String, String> smtps(int port) {
        Map<String, String> s = new HashMap<>();
        s.put("smtp.host", "localhost");
        s.put("smtp.port", String.valueOf(port));
        s.put("smtp.security", "ssl");
        s.put("smtp.trust-store", TestCertificates.install().caPem.toString());
        s.put("mail.from", "Outbox Mailer <mailer@example.com>");
        return s;
    }

    /** Settings that deliver over plain SMTP to a scripted server on loopback, retrying quickly. */
    public static Map<String, String> plain(int port) {
        Map<String, String> s = new HashMap<>();
        s.put("smtp.host", "127.0.0.1");
        s.put("smtp.port", String.valueOf(port));
        s.put("smtp.security", "plain");
        s.put("smtp.connect-timeout", "1s");
        s.put("smtp.timeout", "1s");
        s.put("retry.initial-delay", "300ms");
        s.put("retry.multiplier", "1");
        s.put("retry.operator-recheck", "500ms");
        s.put("mail.from", "Outbox Mailer <mailer@example.com>");
        return s;
    }

    /**
     * Settings that start the embedded broker on the given port (the test's free port, not 61616) with its
     * journal in {@code data}, taking drafts from the queue {@code outbox} and publishing receipts; its login is
     * {@link QueueClient#USER} / {@link QueueClient#PASSWORD}.
     */
    public static Map<String, String> embeddedQueue(int port, Path data) {
        Map<String, String> s = new HashMap<>();
        s.put("queue.embedded", "true");
        s.put("queue.embedded-port", String.valueOf(port));
        s.put("queue.data-dir", data.toString());
        s.put("queue.receipts", "true");
        s.put("queue.username", QueueClient.USER); // the broker takes no connection without a login
        s.put("queue.password", QueueClient.PASSWORD);
        return s;
    }

    /** Settings that take drafts from an external broker (here: another instance's embedded one). */
    public static Map<String, String> externalQueue(String url) {
        Map<String, String> s = new HashMap<>();
        s.put("queue.url", url);
        s.put("queue.receipts", "true");
        s.put("queue.username", QueueClient.USER);
        s.put("queue.password", QueueClient.PASSWORD);
        return s;
    }

    /** GET http://127.0.0.1:port/path: the status code and the body. */
    public static Map.Entry<Integer, String> get(int port, String path) throws IOException, InterruptedException {
        var client = java.net.http.HttpClient.newHttpClient();
        var response = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return Map.entry(response.statusCode(), response.body());
    }

    public org.apache.camel.CamelContext context() {
        return main.getCamelContext();
    }

    public Path drop(String name, String content) throws IOException {
        return drop(name, content.getBytes(StandardCharsets.UTF_8));
    }

    public Path drop(String name, byte[] content) throws IOException {
        Files.createDirectories(outbox);
        Path tmp = outbox.resolve(name + ".tmp");
        Files.write(tmp, content);
        return Files.move(tmp, outbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    public Path sentFolder() {
        return outbox.resolve(".sent").resolve(LocalDate.now().toString());
    }

    public Path failedFolder() {
        return outbox.resolve(".failed");
    }

    /** The claimed draft of that name (taken by the mailer, not done yet), if there is one. */
    public java.util.Optional<Path> claimed(String name) throws IOException {
        Path claims = outbox.resolve(".state").resolve("claims");
        if (!Files.isDirectory(claims)) {
            return java.util.Optional.empty();
        }
        try (var files = Files.list(claims)) {
            return files.filter(f -> f.getFileName().toString().endsWith("~" + name)).findFirst();
        }
    }

    /** True while the draft waits, untouched: still in the outbox, or claimed and not done. */
    public boolean waits(String name) throws IOException {
        return Files.exists(outbox.resolve(name)) || claimed(name).isPresent();
    }

    /** The retry record of the claimed draft of that name, once it has one. */
    public JsonNode awaitRetryRecord(String name) {
        Path folder = outbox.resolve(".state").resolve("waiting");
        java.util.concurrent.atomic.AtomicReference<JsonNode> found = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            if (!Files.isDirectory(folder)) {
                return false;
            }
            try (var files = Files.list(folder)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (f.toString().endsWith(".json")) {
                        JsonNode record = read(f);
                        if (record != null && name.equals(record.path("name").asText())) {
                            found.set(record);
                            return true;
                        }
                    }
                }
            }
            return false;
        });
        return found.get();
    }

    /** Waits for the draft's receipt and returns it. */
    public JsonNode awaitReceipt(String name) {
        Path receipt = sentFolder().resolve(name + ".receipt.json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(receipt) && Files.size(receipt) > 0);
        return read(receipt);
    }

    /** Waits for the draft's error report and returns it. */
    public JsonNode awaitError(String name) {
        Path error = failedFolder().resolve(name + ".error.json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(error) && Files.size(error) > 0);
        return read(error);
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
