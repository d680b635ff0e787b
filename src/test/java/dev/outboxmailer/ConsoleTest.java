package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's pages and actions (SPEC §14) over HTTP, through the real routes and the management server. */
class ConsoleTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void waitingDraftsShowTheirNextAttemptAndReasonAndSentOnesTheirRejectedRecipients() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start()
                .recipientReply(r -> r.contains("later@") ? "451 4.2.0 <b>busy</b>, try later"
                        : r.contains("gone@") ? "550 5.1.1 no such user" : "250 OK")) {
            Map<String, String> settings = RunningMailer.plain(smtp.port());
            settings.put("retry.initial-delay", "1h");
            settings.put("camel.management.port", String.valueOf(port));
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("partly.txt", "To: ok@example.org, gone@example.org\nSubject: Partly\n\nhi\n");
                mailer.drop("later.txt", "To: later@example.org\nSubject: Later\n\nhi\n");
                await().atMost(Duration.ofSeconds(20)).until(() -> section(page(port, "/").body(), "waiting").contains("later.txt"));
                String outbox = page(port, "/").body();
                assertThat(section(outbox, "waiting")).contains("later.txt").contains("451 4.2.0 &lt;b&gt;busy&lt;/b&gt;")
                        .doesNotContain("<b>busy");
                await().atMost(Duration.ofSeconds(20)).until(() -> page(port, "/sent").body().contains("partly.txt"));
                assertThat(page(port, "/sent?q=gone%40example").body()).contains("partly.txt")
                        .contains("rejected gone@example.org: 550 5.1.1 no such user");
                assertThat(page(port, "/sent?q=nobody%40example").body()).doesNotContain("partly.txt");
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(page(port, "/api/counts").body())
                        .contains("\"waiting\":1").contains("\"sentToday\":1"));
            }
        }
    }

    @Test
    void draftsHeldWhileSendingIsPausedShowWhy() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        try (ScriptedSmtpServer smtp = ScriptedSmtpServer.start().login("me@example.com", "right")) {
            Map<String, String> settings = RunningMailer.plain(smtp.port());
            settings.put("smtp.username", "me@example.com");
            settings.put("smtp.password", "wrong-pass-word");
            settings.put("retry.operator-recheck", "1h");
            settings.put("camel.management.port", String.valueOf(port));
            try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
                mailer.drop("held.txt", "To: bob@example.org\nSubject: Held\n\nhi\n");
                await().atMost(Duration.ofSeconds(20)).until(() -> section(page(port, "/").body(), "held").contains("held.txt"));
                String outbox = page(port, "/").body();
                assertThat(outbox).contains("<p class=\"banner\" id=\"paused\">Sending is paused until");
                assertThat(section(outbox, "held")).contains("535");
                assertThat(outbox).doesNotContain("wrong-pass-word");
                assertThat(outbox).doesNotContain("<section id=\"pending\">");
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(page(port, "/api/counts").body())
                        .contains("\"held\":1").contains("\"pending\":0").contains("\"paused\":true"));
            }
        }
    }

    @Test
    void beyondLoopbackReadingNeedsTheTokenWhichNeverShowsAndReleasingAnAddressNeedsItToo() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        String token = "tok-" + Long.toHexString(System.nanoTime());
        try (RunningMailer mailer = RunningMailer.start(dir, Map.of("camel.management.port", String.valueOf(port),
                "camel.management.host", "0.0.0.0", "console.token", token))) {
            Path suppressed = Files.createDirectories(mailer.outbox.resolve(".state")).resolve("suppressed.csv");
            Files.writeString(suppressed, "address,status,draft,since\ngone@example.org,5.1.1,a.eml,2026-01-01T00:00:00Z\n"
                    + "kept@example.org,5.1.1,b.eml,2026-01-01T00:00:00Z\n");

            assertThat(page(port, "/").statusCode()).isEqualTo(401);
            assertThat(page(port, "/sandbox").statusCode()).isEqualTo(401);
            assertThat(page(port, "/?token=wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> login = page(port, "/?token=" + token);
            assertThat(login.statusCode()).isEqualTo(303);
            assertThat(login.headers().firstValue("Location")).hasValue("/");
            assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).containsIgnoringCase("HttpOnly").contains("SameSite=Strict");

            HttpResponse<String> outbox = http.send(get(port, "/").header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(outbox.statusCode()).isEqualTo(200);
            assertThat(outbox.body()).contains("gone@example.org").doesNotContain(token);
            Matcher key = Pattern.compile("name=\"key\" value=\"([^\"]+)\"").matcher(outbox.body());
            assertThat(key.find()).isTrue();

            String form = "address=gone%40example.org&key=" + key.group(1);
            assertThat(post(port, form, null).statusCode()).isEqualTo(401);
            HttpResponse<String> released = post(port, form, token);
            assertThat(released.statusCode()).isEqualTo(200);
            assertThat(released.body()).contains("gone@example.org is released");
            assertThat(Files.readString(suppressed)).doesNotContain("gone@example.org").contains("kept@example.org");
            assertThat(post(port, form, token).statusCode()).isEqualTo(404);
        }
    }

    private HttpResponse<String> post(int port, String form, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actions/release"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://127.0.0.1:" + port)
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    }

    private HttpResponse<String> page(int port, String path) throws Exception {
        return http.send(get(port, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The section of the page with that id; empty when the page has none. */
    private static String section(String page, String id) {
        int at = page.indexOf("<section id=\"" + id + "\">");
        return at < 0 ? "" : page.substring(at, page.indexOf("</section>", at));
    }
}
