package dev.outboxmailer.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outboxmailer.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder's lock held by another process: refused at once without cluster.mode; tried again for a while by a
 * standby taking the lead, whose leader before it (stepping down, its disk lost) still holds its watched
 * folders' locks until its process is gone (StandbyIT met that: the new leader's recovery failed on it).
 */
class OutboxLockTest {
    @TempDir
    Path folder;

    @Test
    void aLockHeldByAnExitingProcessIsWaitedForOnlyWhenAskedTo() throws Exception {
        Path lock = Files.createDirectories(folder.resolve(".state")).resolve("instance.lock");
        // another process holds it (a POSIX lock, as the JVM's FileLock takes it) and lets go after 1.5 s
        Process other = new ProcessBuilder("/usr/bin/python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(1.5)",
                lock.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new String(other.getInputStream().readNBytes(6))).isEqualTo("locked");
            assertThatThrownBy(() -> OutboxLock.acquire(folder)).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("another outbox-mailer is already watching " + folder);
            long start = System.nanoTime();
            try (OutboxLock taken = OutboxLock.acquire(folder, Duration.ofSeconds(15))) {
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("taken once the other process let go")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(800));
            }
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void aLockStillHeldWhenTheWaitEndsIsRefusedWithTheSameReason() throws Exception {
        try (OutboxLock held = OutboxLock.acquire(folder)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> OutboxLock.acquire(folder, Duration.ofMillis(600)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("another outbox-mailer is already watching");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        }
    }
}
