package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.SmtpsServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile corpus (src/test/resources/hostile/, outcomes in expected.csv) dropped all at once into
 * ONE running mailer, through the real routes, delivering to a real SMTPS server: every draft lands in
 * .failed/ unchanged beside an error report with the expected kind and a reason a person can read,
 * the server receives nothing, and a good draft dropped afterwards is sent.
 */
class HostileCorpusTest {

    record Expected(String file, String kind, String reason) {}

    @TempDir
    Path dir;

    @Test
    void everyHostileDraftFailsCleanlyAndTheMailerKeepsServing() throws Exception {
        Path corpus = Path.of(HostileCorpusTest.class.getResource("/hostile/expected.csv").toURI()).getParent();
        List<Expected> expected = new ArrayList<>();
        for (String line : Files.readAllLines(corpus.resolve("expected.csv"), StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String[] f = line.split("\\|", 3);
                expected.add(new Expected(f[0], f[1], f[2]));
            }
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(40);

        try (SmtpsServer server = SmtpsServer.open()) {
            Map<String, String> settings = RunningMailer.smtps(server.port());
            settings.put("mail.max-size", "1MB");
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                // what the attachment cases point at: a secret outside the outbox, a link to it, a folder
                Files.writeString(dir.resolve("secret.txt"), "SECRET outside the outbox");
                Files.writeString(dir.resolve("secret.eml"), "To: bob@example.org\r\nFrom: a@example.com\r\n\r\nSECRET\r\n");
                Files.createDirectories(mailer.outbox.resolve("files/folder"));
                Files.createSymbolicLink(mailer.outbox.resolve("files/link.txt"), dir.resolve("secret.txt"));

                Map<String, byte[]> dropped = new LinkedHashMap<>();
                for (Expected e : expected) {
                    Path file = corpus.resolve(e.file());
                    byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : madeAtRunTime(e.file());
                    if (bytes == null) {
                        continue; // the link draft, made below
                    }
                    dropped.put(e.file(), bytes);
                    mailer.drop(e.file(), bytes);
                }
                Files.createSymbolicLink(mailer.outbox.resolve("draft-link-outside.eml"), dir.resolve("secret.eml"));

                SoftAssertions soft = new SoftAssertions();
                for (Expected e : expected) {
                    JsonNode error = mailer.awaitError(e.file());
                    String reason = error.get("reason").asText();
                    soft.assertThat(error.get("kind").asText()).as("kind of %s", e.file()).isEqualTo(e.kind());
                    soft.assertThat(reason).as("reason for %s", e.file()).contains(e.reason())
                            .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\n").doesNotContain("SECRET");
                    soft.assertThat(error.get("attempts").asInt()).as("attempts of %s", e.file()).isZero();
                    soft.assertThat(mailer.outbox.resolve(e.file())).as("%s left the outbox", e.file()).doesNotExist();
                    if (dropped.containsKey(e.file())) {
                        soft.assertThat(Files.readAllBytes(mailer.failedFolder().resolve(e.file())))
                                .as("%s is kept byte for byte", e.file()).isEqualTo(dropped.get(e.file()));
                    }
                }
                soft.assertAll();
                assertThat(server.received()).as("nothing reached the server").isEmpty();
                assertThat(dir.resolve("secret.eml")).exists();

                // the process is still serving: a good draft after all that is sent
                mailer.drop("good.json", "{\"to\": \"bob@example.org\", \"subject\": \"after the storm\", \"text\": \"ok\"}");
                mailer.awaitReceipt("good.json");
                assertThat(server.awaitMessages(1)).hasSize(1);
                assertThat(server.received()[0].getSubject()).isEqualTo("after the storm");
            }
        }
    }

    /** Drafts too large to keep in git, or that need the links and folders of this run. */
    private static byte[] madeAtRunTime(String name) throws Exception {
        ObjectMapper json = new ObjectMapper();
        switch (name) {
            case "over-max-size.json" -> {
                byte[] payload = new byte[750 * 1024]; // the draft under 1 MB itself, the message over it once encoded
                new Random(3).nextBytes(payload);
                return json.writeValueAsBytes(Map.of("to", "bob@example.org", "text", "big",
                        "attachments", List.of(Map.of("name", "big.bin", "content", Base64.getEncoder().encodeToString(payload)))));
            }
            case "over-max-size-unread.txt" -> {
                return ("To: bob@example.org\n\n" + "x".repeat(1536 * 1024 - 21)).getBytes(StandardCharsets.US_ASCII);
            }
            case "thousands-of-recipients.json" -> {
                String to = IntStream.range(0, 3000).mapToObj(i -> "user" + i + "@example.org").collect(Collectors.joining(", "));
                return json.writeValueAsBytes(Map.of("to", to, "subject", "everyone", "text", "hi"));
            }
            case "draft-link-outside.eml" -> {
                return null;
            }
            default -> throw new IllegalStateException("expected.csv lists " + name + " but there is no such file in hostile/");
        }
    }
}
