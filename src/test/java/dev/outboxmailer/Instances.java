package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Packaged jars started side by side in one working folder, as an operator runs a leader and its standby
 * ({@code cluster.mode=standby}): each with a management port of its own, to ask its health for its role, and
 * a log of its own ({@code mailer-1.log}, {@code mailer-2.log}, …). Closing kills what still runs and copies
 * the logs to {@code target/<name>-logs/}, to read after a failure.
 */
final class Instances implements AutoCloseable {
    /** How soon a standby must lead after the leader is killed (issue 17). */
    static final Duration TAKEOVER = Duration.ofSeconds(15);
    private static final Pattern ROLE = Pattern.compile("\"role\":\"([a-z-]+)\"");

    private final Path dir;
    private final String name;
    private final List<Process> started = new ArrayList<>();
    private int logs;

    /** One running jar: its process, its management port and its log file. */
    record Instance(Process process, int management, Path log) {
        String logText() throws IOException {
            return Files.readString(log);
        }
    }

    Instances(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    Instance start(List<String> args) throws IOException {
        int management = ScriptedSmtpServer.freePort();
        List<String> all = new ArrayList<>(args);
        all.add("--camel.management.port=" + management);
        String log = "mailer-" + (++logs) + ".log";
        Process process = PackagedJarIT.start(dir, all, Map.of(), log);
        started.add(process);
        return new Instance(process, management, dir.resolve(log));
    }

    /** Starts one with {@code cluster.mode=standby} and waits until its health says {@code role}. */
    Instance startAs(String role, List<String> args) throws IOException {
        List<String> all = new ArrayList<>(args);
        all.add("--cluster.mode=standby");
        Instance instance = start(all);
        awaitRole(instance, role, Duration.ofSeconds(60));
        return instance;
    }

    /** The {@code role} of the health check {@code outbox-mailer/cluster}, or "" while it does not answer. */
    static String role(Instance instance) {
        try {
            String body = RunningMailer.get(instance.management(), "/observe/health?exposureLevel=full&data=true").getValue();
            Matcher m = ROLE.matcher(body);
            return m.find() ? m.group(1) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static void awaitRole(Instance instance, String role, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(instance.process().isAlive()).as("instance running (see %s)", instance.log()).isTrue();
            return role.equals(role(instance));
        });
    }

    /** Kills {@code instance} with SIGKILL (no shutdown hook, no graceful stop); returns when, in nanoTime. */
    static long kill(Instance instance) throws InterruptedException {
        instance.process().destroyForcibly();
        long killedAt = System.nanoTime();
        assertThat(instance.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        return killedAt;
    }

    /** Waits until {@code standby} leads, at most {@link #TAKEOVER} after the kill; returns how long it took, in ms. */
    static long awaitTakeover(Instance standby, long killedAt) {
        awaitRole(standby, "leader", TAKEOVER.plusSeconds(5));
        long tookOver = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertThat(Duration.ofMillis(tookOver)).as("takeover").isLessThanOrEqualTo(TAKEOVER);
        return tookOver;
    }

    /**
     * Who carries on after a kill: the {@code standby} that waited beside the killed leader, once it leads (within
     * {@link #TAKEOVER}) and has recovered before picking up; or, with no standby ({@code null}), the killed jar
     * started again with {@code args}.
     */
    Instance successor(Instance standby, long killedAt, List<String> args) throws IOException {
        if (standby == null) {
            return start(args);
        }
        awaitTakeover(standby, killedAt);
        assertRecoveredBeforePickingUp(standby);
        return standby;
    }

    /**
     * SPEC §9: the new leader ran the outbox's recovery, and only then started its pick-up route (its log says
     * "recovered in" before the last "Started outbox-folder").
     */
    static void assertRecoveredBeforePickingUp(Instance leader) throws IOException {
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.logText().contains("Started outbox-folder"));
        String log = leader.logText();
        assertThat(log.indexOf("recovered in")).as("recovery in %s", leader.log()).isPositive()
                .isLessThan(log.lastIndexOf("Started outbox-folder"));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process process : started) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        Path kept = Files.createDirectories(Path.of("target", name + "-logs"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path log : files.filter(p -> p.getFileName().toString().matches("mailer-\\d+\\.log")).toList()) {
                Files.copy(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
