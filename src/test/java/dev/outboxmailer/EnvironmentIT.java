package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9 "Configuration as documented": the packaged jar takes every key, {@code camel.*} included, from the
 * environment by the README's rule (upper case, {@code .} and {@code -} become {@code _}), and the command line
 * still wins over the environment.
 */
class EnvironmentIT {
    @TempDir
    Path dir;

    @Test
    void camelManagementPortInTheEnvironmentMovesHealthAndMetrics() throws Exception {
        int port = ScriptedSmtpServer.freePort();
        Process app = PackagedJarIT.start(dir, List.of(), Map.of("CAMEL_MANAGEMENT_PORT", String.valueOf(port)), "app.log");
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                var health = RunningMailer.get(port, "/observe/health");
                assertThat(health.getKey()).isEqualTo(200);
                assertThat(health.getValue()).contains("\"status\":\"UP\"");
            });
            assertThat(RunningMailer.get(port, "/observe/metrics").getValue()).contains("outbox_mailer_sent_total");
        } finally {
            PackagedJarIT.stop(app);
        }
        assertThat(Files.readString(dir.resolve("app.log"))).contains("127.0.0.1:" + port);
    }

    @Test
    void camelKeysOfEveryShapeComeFromTheEnvironmentAndTheCommandLineWins() throws Exception {
        int fromEnvironment = ScriptedSmtpServer.freePort();
        int fromCommandLine = ScriptedSmtpServer.freePort();
        Process app = PackagedJarIT.start(dir,
                List.of("--camel.management.port=" + fromCommandLine, "--camel.main.name=named-on-the-command-line"),
                Map.of("CAMEL_MANAGEMENT_PORT", String.valueOf(fromEnvironment),
                        "CAMEL_MAIN_NAME", "named-by-the-environment",   // a camel.main.* key
                        "CAMEL_MANAGEMENT_HEALTHPATH", "/ready"),         // a camelCase key: camel.management.healthPath
                "app.log");
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                var health = RunningMailer.get(fromCommandLine, "/ready");
                assertThat(health.getKey()).isEqualTo(200);
                assertThat(health.getValue()).contains("\"status\":\"UP\"");
            });
            assertThat(Files.readString(dir.resolve("app.log"))).contains("(named-on-the-command-line) is starting");
            assertThat(listening(fromEnvironment)).isFalse();
        } finally {
            PackagedJarIT.stop(app);
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
