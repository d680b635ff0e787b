package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9 through the real routes, against a scripted SMTP server: each defect an operator reported, as they
 * reported it — a receipt that cannot be filed, a draft replaced while it waits, a greylisted recipient, a
 * broken schedule file, a broken template parameter.
 */
class PromisesUnderFaultsTest {
    static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID: (<[^>]+>)");

    @TempDir
    Path dir;

    static String draft(String to, String subject) {
        return "{\"to\": " + to + ", \"subject\": \"" + subject + "\", \"text\": \"body of " + subject + "\"}";
    }

    static Map<String, String> fast(int port) {
        Map<String, String> s = RunningMailer.plain(port);
        s.put("filing.retry-interval", "200");
        return s;
    }

    static HealthCheck.Result health(RunningMailer mailer, String check) {
        return HealthCheckRegistry.get(mailer.context()).getCheck(check)
                .orElseThrow(() -> new AssertionError("no " + check + " health check")).call();
    }

    @Test
    void aReceiptThatCannotBeFiledIsFiledLaterAndTheMailIsSentOnce() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, fast(server.port()))) {
            // .sent cannot take anything: a file stands where the folder should be (as root, permissions would not stop us)
            Files.writeString(mailer.outbox.resolve(".sent"), "not a folder");
            mailer.drop("once.json", draft("\"bob@example.org\"", "once"));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.accepted().size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> health(mailer, "outbox").getState() == HealthCheck.State.DOWN);
            assertThat(health(mailer, "outbox").getMessage()).hasValueSatisfying(m -> assertThat(m).contains(".sent"));
            mailer.drop("meanwhile.json", draft("\"carol@example.org\"", "meanwhile"));
            Thread.sleep(2_500); // a dozen filing retries and retry rounds
            assertThat(server.accepted()).as("never sent again because its filing failed").hasSize(1);
            assertThat(mailer.outbox.resolve("meanwhile.json")).as("no new mail goes out while outcomes cannot be kept").exists();

            Files.delete(mailer.outbox.resolve(".sent"));
            JsonNode receipt = mailer.awaitReceipt("once.json");
            assertThat(receipt.get("attempts").asInt()).isEqualTo(1);
            mailer.awaitReceipt("meanwhile.json");
            await().atMost(Duration.ofSeconds(10)).until(() -> health(mailer, "outbox").getState() == HealthCheck.State.UP);
            assertThat(server.accepted()).hasSize(2);
            assertThat(mailer.sentFolder().resolve("once-2.json")).doesNotExist();
            assertThat(mailer.claimed("once.json")).isEmpty();
        }
    }

    @Test
    void aDraftReplacedWhileTheFirstWaitsForItsRetryIsSentAsWell() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().dataReplies("451 4.3.0 busy, try again later")) {
            Map<String, String> settings = fast(server.port());
            settings.put("retry.initial-delay", "3s");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("report.json", draft("\"bob@example.org\"", "report, old"));
                mailer.awaitRetryRecord("report.json"); // the old report waits, claimed, for its next attempt
                // the README's recipe: write a new one and rename it over the name
                mailer.drop("report.json", draft("\"bob@example.org\"", "report, new"));
                await().atMost(Duration.ofSeconds(20)).until(() -> server.accepted().size() == 2);
                mailer.awaitReceipt("report.json");
                mailer.awaitReceipt("report-2.json");
            }
            List<String> subjects = server.accepted().stream()
                    .map(m -> m.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElse("")).toList();
            assertThat(subjects).containsExactly("Subject: report, new", "Subject: report, old");
            // what is filed is exactly what was sent, each under its own name
            Path sent = dir.resolve("outbox/.sent").resolve(java.time.LocalDate.now().toString());
            assertThat(sent.resolve("report.json")).hasContent(draft("\"bob@example.org\"", "report, new"));
            assertThat(sent.resolve("report-2.json")).hasContent(draft("\"bob@example.org\"", "report, old"));
        }
    }

    @Test
    void aGreylistedRecipientIsRetriedAloneUnderTheSameMessageId() throws Exception {
        java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().recipientReply(r ->
                r.startsWith("grey") && tries.incrementAndGet() == 1 ? "451 4.7.1 <" + r + ">: greylisted, try again later" : "250 OK");
             RunningMailer mailer = RunningMailer.start(dir, fast(server.port()))) {
            mailer.drop("grey.json", draft("[\"bob@example.org\", \"grey@example.org\"]", "greylisted"));
            JsonNode receipt = mailer.awaitReceipt("grey.json");
            assertThat(receipt.get("recipients")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("bob@example.org", "grey@example.org");
            assertThat(receipt.get("rejected")).isEmpty();
            assertThat(receipt.get("expired")).isEmpty();
            assertThat(receipt.get("attempts").asInt()).isEqualTo(2);
            assertThat(server.acceptedFor()).containsExactly(List.of("bob@example.org"), List.of("grey@example.org"));
            assertThat(messageId(server.accepted().get(1))).isEqualTo(messageId(server.accepted().get(0)));
            assertThat(receipt.get("messageId").asText()).isEqualTo(messageId(server.accepted().get(0)));
        }
    }

    @Test
    void aRecipientDeferredUntilTheGiveUpTimeExpiresWhileTheOthersKeepTheirCopy() throws Exception {
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().recipientReply(r ->
                r.startsWith("grey") ? "452 4.2.2 <" + r + ">: mailbox full" : r.startsWith("ghost") ? "550 5.1.1 no such user" : "250 OK")) {
            Map<String, String> settings = fast(server.port());
            settings.put("retry.give-up-after", "1s");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("full.json", draft("[\"bob@example.org\", \"grey@example.org\", \"ghost@example.org\"]", "full"));
                JsonNode receipt = mailer.awaitReceipt("full.json");
                assertThat(receipt.get("recipients")).extracting(JsonNode::asText).containsExactly("bob@example.org");
                assertThat(receipt.get("rejected")).extracting(r -> r.get("address").asText()).containsExactly("ghost@example.org");
                assertThat(receipt.get("expired")).extracting(r -> r.get("address").asText()).containsExactly("grey@example.org");
                assertThat(receipt.get("expired").get(0).get("code").asInt()).isEqualTo(452);
                assertThat(receipt.get("attempts").asInt()).isGreaterThanOrEqualTo(2);
            }
            assertThat(server.acceptedFor()).containsExactly(List.of("bob@example.org"));
        }
    }

    @Test
    void everyRecipientDeferredAtFirstThenOneAcceptedAndOneRefusedEndsWithBothListed() throws Exception {
        java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start().recipientReply(r -> {
            boolean first = round.getAndIncrement() < 2;
            if (first) {
                return "450 4.2.0 try later";
            }
            return r.startsWith("ghost") ? "550 5.1.1 no such user" : "250 OK";
        }); RunningMailer mailer = RunningMailer.start(dir, fast(server.port()))) {
            mailer.drop("later.json", draft("[\"bob@example.org\", \"ghost@example.org\"]", "later"));
            JsonNode receipt = mailer.awaitReceipt("later.json");
            assertThat(receipt.get("recipients")).extracting(JsonNode::asText).containsExactly("bob@example.org");
            assertThat(receipt.get("rejected")).extracting(r -> r.get("address").asText()).containsExactly("ghost@example.org");
            assertThat(server.acceptedFor()).containsExactly(List.of("bob@example.org"));
        }
    }

    @Test
    void aScheduleFileOfAnEarlierVersionThatIsNullIsSetAsideAndDraftsAreSent() throws Exception {
        Path state = Files.createDirectories(dir.resolve("outbox/.state"));
        Files.writeString(state.resolve("retries.json"), "null");
        Path waiting = Files.createDirectories(state.resolve("waiting"));
        Path claims = Files.createDirectories(state.resolve("claims"));
        // a claim a crash left, whose record has no notBefore
        Files.writeString(claims.resolve("old1-1~partial.json"), draft("\"bob@example.org\"", "partial"));
        Files.writeString(waiting.resolve("old1-1.json"), "{\"name\": \"partial.json\", \"attempts\": 2}");
        try (ScriptedSmtpServer server = ScriptedSmtpServer.start();
             RunningMailer mailer = RunningMailer.start(dir, fast(server.port()))) {
            mailer.drop("fresh.json", draft("\"carol@example.org\"", "fresh"));
            mailer.awaitReceipt("fresh.json");
            mailer.awaitReceipt("partial.json");
            assertThat(server.accepted()).hasSize(2);
        }
        try (Stream<Path> files = Files.list(state)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("retries.json.corrupt-"));
        }
        try (Stream<Path> files = Files.list(waiting)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("old1-1.json.corrupt-"));
        }
    }

    @Test
    void aTemplateParameterThatIsNotAnAddressStopsTheStartNamingIt() throws Exception {
        Path routes = routesWith("scans.yaml", """
                - templatedRoute:
                    routeTemplateRef: watched-folder
                    parameters:
                      - { name: folder, value: "%s" }
                      - { name: to, value: "accounts@@example.com" }
                """.formatted(dir.resolve("scans")));
        assertThatThrownBy(() -> RunningMailer.start(dir, withRoutes(routes)).close())
                .satisfies(e -> assertThat(causes(e)).anyMatch(m -> m.contains("parameter 'to'") && m.contains("accounts@@example.com")));
    }

    @Test
    void aFoldersDkimKeySetThatIsNotConfiguredStopsTheStartNamingIt() throws Exception {
        Path routes = routesWith("partner.yaml", """
                - templatedRoute:
                    routeTemplateRef: watched-folder
                    parameters:
                      - { name: folder, value: "%s" }
                      - { name: dkim, value: "partnr" }
                """.formatted(dir.resolve("partner")));
        assertThatThrownBy(() -> RunningMailer.start(dir, withRoutes(routes)).close())
                .satisfies(e -> assertThat(causes(e)).anyMatch(m -> m.contains("parameter 'dkim' ('partnr')")));
    }

    /** The project's routes, copied, plus one more file. */
    Path routesWith(String file, String yaml) throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        Files.writeString(routes.resolve(file), yaml);
        return routes;
    }

    static Map<String, String> withRoutes(Path routes) throws Exception {
        Map<String, String> settings = RunningMailer.plain(ScriptedSmtpServer.freePort());
        settings.put("routes.dir", routes.toString());
        return settings;
    }

    static List<String> causes(Throwable e) {
        List<String> messages = new java.util.ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }

    static String messageId(String message) {
        Matcher m = MESSAGE_ID.matcher(message);
        assertThat(m.find()).as("a Message-ID in %s", message).isTrue();
        return m.group(1);
    }
}
