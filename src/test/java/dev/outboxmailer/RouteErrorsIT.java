package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
}
