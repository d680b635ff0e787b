package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route author's own file in {@code routes/}, on the everyday components the jar carries (timer, log, seda,
 * the REST DSL on platform-http, jackson, jsonpath, xpath, scheduler): it loads and runs in the packaged jar
 * beside the mailer's own routes.
 */
class UserRoutesIT {
    @TempDir
    Path dir;

    static final String USER_ROUTES = """
            - route:
                id: ticks
                from:
                  uri: timer:tick
                  parameters:
                    repeatCount: 1
                    delay: 100
                  steps:
                    - setBody:
                        constant: '<order><id>42</id></order>'
                    - log: "tick ${body}"
                    - to: seda:orders
            - route:
                id: orders
                from:
                  uri: seda:orders
                  steps:
                    - setBody:
                        xpath: "/order/id/text()"
                    - to: log:orders?showBody=true
                    - setHeader:
                        name: CamelFileName
                        constant: order.txt
                    - to: file:done
            - route:
                id: polled
                from:
                  uri: scheduler:poll
                  parameters:
                    repeatCount: 1
                    delay: 100
                  steps:
                    - setBody:
                        constant: polled
                    - setHeader:
                        name: CamelFileName
                        constant: polled.txt
                    - to: file:done
            - rest:
                path: /greet
                post:
                  - to: direct:greet
            - route:
                id: greet
                from:
                  uri: direct:greet
                  steps:
                    - setBody:
                        jsonpath: "$.name"
                    - setBody:
                        simple: '{"greeting": "Hello ${body}"}'
                    - unmarshal:
                        json:
                          library: Jackson
                    - marshal:
                        json:
                          library: Jackson
            """;

    @Test
    void aRouteOnTimerLogSedaAndRestRunsInThePackagedJar() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> packaged = Files.list(Path.of("routes"))) { // the mailer's own routes, as a user copies them
            for (Path p : packaged.toList()) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        Files.writeString(routes.resolve("mine.yaml"), USER_ROUTES);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Process app = PackagedJarIT.start(dir,
                List.of("--camel.server.enabled=true", "--camel.server.port=" + port), Map.of(), "app.log");
        try {
            Path order = dir.resolve("done").resolve("order.txt");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(order) || !app.isAlive());
            assertThat(order).as(log()).exists().hasContent("42");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("done").resolve("polled.txt")));
            assertThat(log()).contains("tick <order><id>42</id></order>").contains("Body: 42");

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/greet"))
                            .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"Ann\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
            assertThat(reply.body().replace(" ", "")).isEqualTo("{\"greeting\":\"HelloAnn\"}");
        } finally {
            PackagedJarIT.stop(app);
        }
        assertThat(log()).doesNotContain("No endpoint could be found").doesNotContain("\tat ");
    }

    private String log() throws java.io.IOException {
        return Files.readString(dir.resolve("app.log"));
    }
}
