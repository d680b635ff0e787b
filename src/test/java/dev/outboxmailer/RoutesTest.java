package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import dev.outboxmailer.support.SmtpsServer;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users add in {@code routes/}: a folder of its own through the route template, their own route handing
 * drafts to {@code direct:outbox-mailer}, and edits while the mailer runs.
 */
class RoutesTest {
    static SmtpsServer server;
    @TempDir
    Path dir;
    Path routes;

    @BeforeAll
    static void server() {
        server = SmtpsServer.open();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void realRoutes() throws Exception {
        server.reset();
        routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
    }

    Map<String, String> settings() {
        Map<String, String> s = RunningMailer.smtps(server.port());
        s.put("routes.dir", routes.toString());
        return s;
    }

    /** The five lines of YAML the README shows, plus subject and From. */
    static String folder(Path folder, String to, String subject, String from) {
        return """
                - templatedRoute:
                    routeTemplateRef: watched-folder
                    parameters:
                      - { name: folder, value: "%s" }
                      - { name: to, value: "%s" }
                      - { name: subject, value: "%s" }
                      - { name: from, value: "%s" }
                """.formatted(folder, to, subject, from);
    }

    static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static JsonNode awaitReceipt(Path folder, String name) throws IOException {
        Path receipt = folder.resolve(".sent").resolve(LocalDate.now().toString()).resolve(name + ".receipt.json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(receipt) && Files.size(receipt) > 0);
        return new ObjectMapper().readTree(receipt.toFile());
    }

    static MimeMessage to(List<MimeMessage> received, String recipient) {
        return received.stream().filter(m -> {
            try {
                return Arrays.stream(m.getAllRecipients()).anyMatch(a -> ((InternetAddress) a).getAddress().equals(recipient));
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElseThrow(() -> new AssertionError("nothing to " + recipient));
    }

    @Test
    void aTemplatedFolderSendsWithItsOwnRecipientsSubjectAndFrom() throws Exception {
        Path scans = dir.resolve("scans");
        Files.writeString(routes.resolve("scans.yaml"),
                folder(scans, "Accounts <accounts@example.com>", "Scanned document", "Scanner <scanner@example.com>"));
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            Files.createDirectories(scans);
            write(scans.resolve("invoice.pdf"), "%PDF-1.4 not really");
            write(scans.resolve("note.txt"), "To: bob@example.org\n\nNo subject, no From.\n");
            write(scans.resolve("own.json"), """
                    {"from": "Alice <alice@example.com>", "to": "carol@example.org", "subject": "Mine", "text": "hi"}""");
            JsonNode bare = awaitReceipt(scans, "invoice.pdf");
            assertThat(bare.get("recipients").get(0).asText()).isEqualTo("accounts@example.com");
            awaitReceipt(scans, "note.txt");
            awaitReceipt(scans, "own.json");
            List<MimeMessage> received = server.awaitMessages(3);

            MimeMessage file = to(received, "accounts@example.com");
            assertThat(file.getSubject()).isEqualTo("Scanned document");
            assertThat(file.getFrom()[0].toString()).isEqualTo("Scanner <scanner@example.com>");
            MimeMessage note = to(received, "bob@example.org");
            assertThat(note.getSubject()).isEqualTo("Scanned document");
            assertThat(note.getFrom()[0].toString()).isEqualTo("Scanner <scanner@example.com>");
            MimeMessage own = to(received, "carol@example.org");
            assertThat(own.getSubject()).isEqualTo("Mine");
            assertThat(own.getFrom()[0].toString()).isEqualTo("Alice <alice@example.com>");

            // the main outbox keeps its own defaults and folders
            assertThat(mailer.sentFolder()).doesNotExist();
            assertThat(scans.resolve(".state").resolve("instance.lock")).exists();
            mailer.drop("plain.txt", "To: dave@example.org\nSubject: main\n\nhello\n");
            mailer.awaitReceipt("plain.txt");
            MimeMessage main = to(server.awaitMessages(4), "dave@example.org");
            assertThat(main.getFrom()[0].toString()).isEqualTo("Outbox Mailer <mailer@example.com>");
        }
    }

    @Test
    void anEditedOrAddedRouteFileTakesEffectAndABrokenOneLeavesTheRunningRoutesAlone() throws Exception {
        Path scans = dir.resolve("scans");
        try (RunningMailer mailer = RunningMailer.start(dir, settings())) {
            // added while running
            write(routes.resolve("scans.yaml"), folder(scans, "first@example.com", "First", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> routeOn(mailer, scans) != null);
            write(scans.resolve("a.pdf"), "%PDF-1.4 a");
            awaitReceipt(scans, "a.pdf");
            assertThat(to(server.awaitMessages(1), "first@example.com").getSubject()).isEqualTo("First");

            // edited while running
            Thread.sleep(1_000); // let the watcher see the first write settle
            String first = routeOn(mailer, scans);
            write(routes.resolve("scans.yaml"), folder(scans, "second@example.com", "Second", ""));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String now = routeOn(mailer, scans);
                return now != null && !now.equals(first);
            });
            Thread.sleep(1_000);
            write(scans.resolve("b.pdf"), "%PDF-1.4 b");
            awaitReceipt(scans, "b.pdf");
            assertThat(to(server.awaitMessages(2), "second@example.com").getSubject()).isEqualTo("Second");

            // a broken edit: reported, and every route keeps working
            RouteWatcherReloadStrategy reload = mailer.context().hasService(RouteWatcherReloadStrategy.class);
            int failedBefore = reload.getFailedCounter();
            write(routes.resolve("outbox.yaml"), Files.readString(routes.resolve("outbox.yaml")) + "\n- route: [ this is not a route\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> reload.getFailedCounter() > failedBefore);
            assertThat(reload.getLastError()).isNotNull();
            mailer.drop("still.eml", "To: bob@example.org\r\nSubject: still here\r\n\r\nhi\r\n");
            mailer.awaitReceipt("still.eml");
            write(scans.resolve("c.pdf"), "%PDF-1.4 c");
            awaitReceipt(scans, "c.pdf");
        }
    }

    /** The id of the route that watches the folder, or null. */
    static String routeOn(RunningMailer mailer, Path folder) {
        return mailer.context().getRoutes().stream()
                .filter(r -> r.getEndpoint().getEndpointUri().contains(folder.getFileName().toString()))
                .map(org.apache.camel.Route::getRouteId).findFirst().orElse(null);
    }

    @Test
    void aUserRouteHandsDraftsToTheDirectEntryPoint() throws Exception {
        Files.copy(Path.of("src/test/resources/user-routes/http-drafts.yaml"), routes.resolve("http-drafts.yaml"));
        int port = ScriptedSmtpServer.freePort();
        Map<String, String> settings = settings();
        settings.put("camel.server.enabled", "true");
        settings.put("camel.server.port", String.valueOf(port));
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> sent = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/drafts?name=note.json"))
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"to": "bob@example.org", "subject": "Über HTTP", "text": "hello"}""", StandardCharsets.UTF_8))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
            JsonNode receipt = new ObjectMapper().readTree(sent.body());
            assertThat(receipt.get("draft").asText()).isEqualTo("note.json");
            assertThat(receipt.get("recipients").get(0).asText()).isEqualTo("bob@example.org");
            assertThat(sent.headers().firstValue("OutboxMailerMessageId")).contains(receipt.get("messageId").asText());
            assertThat(server.awaitMessages(1).get(0).getSubject()).isEqualTo("Über HTTP");

            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/drafts?name=bad.json"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"to\": \"nobody\", \"text\": \"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(422);
            assertThat(bad.body()).contains("bad.json was not sent (invalid-draft)").contains("\"nobody\"");
            assertThat(mailer.failedFolder()).doesNotExist();
        }
    }
}
