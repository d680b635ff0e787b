package dev.outboxmailer.intake;

import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One mailer per outbox folder: two processes picking the same drafts would send them twice. The lock
 * ({@code outbox/.state/instance.lock}) is held while the application runs and released by the OS when
 * it ends, however it ends.
 */
public final class OutboxLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private OutboxLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static OutboxLock acquire(Path outbox) throws IOException {
        return acquire(outbox, java.time.Duration.ZERO);
    }

    /**
     * Like {@link #acquire(Path)}, but a lock held by another process is tried again for up to {@code wait}: a
     * standby that takes the lead from a leader stepping down (its disk lost) meets that leader's folder locks
     * for the moment until its process is gone.
     */
    public static OutboxLock acquire(Path outbox, java.time.Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return tryAcquire(outbox);
            } catch (ConfigException held) {
                if (System.nanoTime() - deadline >= 0) {
                    throw held;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw held;
                }
            }
        }
    }

    private static OutboxLock tryAcquire(Path outbox) throws IOException {
        Path file = Files.createDirectories(outbox.resolve(".state")).resolve("instance.lock");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new ConfigException("outbox.dir", "another outbox-mailer is already watching " + outbox
                    + " (it holds " + file + "); give each instance its own outbox, or share work through the queue");
        }
        return new OutboxLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
