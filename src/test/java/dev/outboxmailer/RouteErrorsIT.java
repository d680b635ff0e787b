package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged jar started with a broken route file of the user's in {@code routes/}: it stops at once with
 * exit code 2 and one line giving the file, the line and Camel's reason, and no stack trace.
 */
class RouteErrorsIT {
    @TempDir
    Path dir;

    static List<List<String>> cases() {
        String head = "- route:\n    from:\n      uri: timer:x\n      steps:\n";
        return List.of(
                List.of(head + "        - to: kafka:orders\n",
                        "outbox-mailer: route error: routes/mine.yaml:5: to[kafka:orders]: No endpoint could be found for: kafka://orders"),
                List.of("- route:\n    from:\n      uri: timer:x\n     steps:\n        - to: log:x\n",
                        "outbox-mailer: route error: routes/mine.yaml:4:6: expected <block end>, but found '<block mapping start>'"),
                List.of(head + "        - too: log:x\n",
                        "outbox-mailer: route error: routes/mine.yaml:5:11: Unknown node id: too"),
                List.of(head + "        - to: log:x?showBodyy=true\n",
                        "outbox-mailer: route error: routes/mine.yaml:5: to[log:x?showBodyy=true]: Failed to resolve endpoint: "),
                List.of(head + "        - bean:\n            ref: noSuchBean\n",
                        "outbox-mailer: route error: routes/mine.yaml:5: Bean[ref:noSuchBean]: No bean could be found in the registry for: noSuchBean"),
                List.of(head + "        - to: \"log:{{no.such.key}}\"\n",
                        "outbox-mailer: route error: routes/mine.yaml:5: to[log:{{no.such.key}}]: Property with key [no.such.key] not found"),
                List.of("- route:\n    from:\n      uri: timer:x\n      parameters:\n        bogus: 3\n      steps:\n        - to: log:x\n",
                        "outbox-mailer: route error: routes/mine.yaml:3: from[timer:x?bogus=3]: Failed to resolve endpoint: "));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aBrokenRouteFileStopsTheStartWithItsFileLineAndReason(List<String> c) throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> packaged = Files.list(Path.of("routes"))) {
            for (Path p : packaged.toList()) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        Files.writeString(routes.resolve("mine.yaml"), c.get(0));
        Process app = PackagedJarIT.start(dir, List.of(), Map.of(), "app.log");
        if (!app.waitFor(60, TimeUnit.SECONDS)) {
            app.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("app.log"));
        assertThat(app.isAlive()).as(log).isFalse();
        assertThat(app.exitValue()).as(log).isEqualTo(2);
        assertThat(log).contains(c.get(1));
        assertThat(log.lines().filter(l -> l.startsWith("outbox-mailer:"))).hasSize(1);
        assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void checkExitsZeroForGoodRoutesAndDraftsAndOneWithALinePerProblem() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> packaged = Files.list(Path.of("routes"))) {
            for (Path p : packaged.toList()) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        Files.writeString(dir.resolve("hi.json"), "{\"to\": \"bob@example.org\", \"subject\": \"Hi\", \"text\": \"x\"}");
        Process good = PackagedJarIT.start(dir, List.of("check", "routes", "hi.json", "--mail.from=me@example.com"), Map.of(), "good.log");
        assertThat(good.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("good.log"))).isEqualTo("check: no problems (5 route file(s), 1 draft(s))\n");
        assertThat(good.exitValue()).isZero();

        Files.writeString(routes.resolve("mine.yaml"), "- route:\n    from:\n      uri: timer:x\n      steps:\n        - to: kafka:x\n");
        Files.writeString(dir.resolve("bad.json"), "{\"to\": \"bob@@example.org\", \"text\": \"x\"}");
        Process bad = PackagedJarIT.start(dir, List.of("check", "routes", "hi.json", "bad.json", "--mail.from=me@example.com"), Map.of(), "bad.log");
        assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("bad.log")).lines().toList()).containsExactly(
                "routes/mine.yaml:5: to[kafka:x]: No endpoint could be found for: kafka://x, please check your classpath contains the needed Camel component jar.",
                "bad.json: invalid-draft: \"to\": \"bob@@example.org\" is not an email address (domain contains illegal character)",
                "check: 2 problem(s)");
        assertThat(bad.exitValue()).isEqualTo(1);
        assertThat(dir.resolve("outbox")).doesNotExist(); // nothing opened, nothing sent
        assertThat(dir.resolve("sandbox")).doesNotExist();
    }
}
