package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as a user runs it: {@code java -jar target/outbox-mailer.jar} from another working
 * directory, configured by its command line, environment and {@code application.properties}.
 */
class PackagedJarIT {
    static final Path JAR = Path.of("target", "outbox-mailer.jar").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void runsAnywhereAndHonoursCommandLineOverEnvironmentOverPropertiesFile() throws Exception {
        Files.writeString(dir.resolve("application.properties"), String.join("\n",
                "outbox.dir=outbox-from-file",
                "mail.from=Properties File <file@example.com>",
                "sandbox.dir=sandbox-from-file",
                "outbox.settle-time=100"));
        Process app = start(List.of("--sandbox.dir=sandbox-from-command-line"), Map.of("OUTBOX_DIR", "outbox-from-env"));
        try {
            Path outbox = dir.resolve("outbox-from-env");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(outbox));
            Files.writeString(outbox.resolve("hello.eml.tmp"), "To: bob@example.org\r\nSubject: from the jar\r\n\r\nhi\r\n");
            Files.move(outbox.resolve("hello.eml.tmp"), outbox.resolve("hello.eml"));

            Path kept = dir.resolve("sandbox-from-command-line").resolve("1.eml");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(kept));
            String message = Files.readString(kept, StandardCharsets.UTF_8);
            assertThat(message).contains("Subject: from the jar").contains("From: Properties File <file@example.com>");
            assertThat(dir.resolve("outbox-from-file")).doesNotExist();
        } finally {
            stop(app);
        }
        String log = Files.readString(dir.resolve("app.log"));
        assertThat(log).contains("NOTHING LEAVES THIS MACHINE");
    }

    @Test
    void aBadSettingStopsItWithOneLineNamingTheKey() throws Exception {
        Process app = start(List.of("--smtp.host=mail.example.com", "--smtp.port=not-a-port"), Map.of());
        assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).isEqualTo(2);
        String log = Files.readString(dir.resolve("app.log"));
        assertThat(log).contains("outbox-mailer: configuration error: smtp.port: 'not-a-port' is not a positive whole number");
        assertThat(log).doesNotContain("\tat ");
    }

    @Test
    void secretsNeverReachTheLog() throws Exception {
        Files.writeString(dir.resolve("application.properties"), "smtp.password=s3cret-from-file\n");
        Process app = start(List.of("--smtp.host=localhost", "--smtp.port=9", "--smtp.username=me@example.com"), Map.of());
        try {
            Path outbox = dir.resolve("outbox");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(outbox));
            Files.writeString(outbox.resolve("x.eml"), "To: bob@example.org\r\nFrom: me@example.com\r\n\r\nhi\r\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("app.log")).contains("RETRY"));
        } finally {
            stop(app);
        }
        assertThat(Files.readString(dir.resolve("app.log"))).doesNotContain("s3cret-from-file");
    }

    private Process start(List<String> args, Map<String, String> env) throws IOException {
        return start(dir, args, env, "app.log");
    }

    /** Starts the packaged jar in {@code dir} as a user would, its output going to {@code dir/log}. */
    static Process start(Path dir, List<String> args, Map<String, String> env, String log) throws IOException {
        assertThat(JAR).as("run 'mvn package' first").exists();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        if (args.stream().noneMatch(a -> a.startsWith("--camel.management.port=")) && !env.containsKey("CAMEL_MANAGEMENT_PORT")) {
            command.add("--camel.management.port=0"); // never the default 8080: jars run side by side
        }
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    static void stop(Process app) throws InterruptedException {
        app.destroy(); // SIGTERM: a graceful shutdown
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
            app.destroyForcibly();
        }
    }
}
