package dev.outboxmailer.observe;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While a backlog drains, one line every {@code interval} (5 s by default):
 * {@code PROGRESS done 1200, pending 3800, 41.3/s, ETA 1m 32s}, and a last one when it is gone. Nothing is
 * logged while nothing moves (an idle outbox, or sending paused: the HELD line says why).
 */
public final class Progress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final LongSupplier done;
    private final Supplier<Backlog.Snapshot> backlog;
    private final ScheduledExecutorService timer;
    private long lastDone;
    private long lastAt;
    private long backlogStartDone = -1;
    private long backlogStartAt;

    public Progress(LongSupplier done, Supplier<Backlog.Snapshot> backlog, Duration interval) {
        this(done, backlog, System.nanoTime());
        timer.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Without the timer, started at {@code startNanos}: {@link #line(long)} is called by hand (tests). */
    Progress(LongSupplier done, Supplier<Backlog.Snapshot> backlog, long startNanos) {
        this.done = done;
        this.backlog = backlog;
        this.lastDone = done.getAsLong();
        this.lastAt = startNanos;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "progress");
            t.setDaemon(true);
            return t;
        });
    }

    private void tick() {
        try {
            String line = line(System.nanoTime());
            if (line != null) {
                LOG.info(line);
            }
        } catch (RuntimeException e) {
            LOG.debug("Progress line skipped: {}", e.toString());
        }
    }

    /** The line to log at {@code now} (nanoTime), or null when nothing moved or no backlog drains. */
    synchronized String line(long now) {
        String line = null;
        long total = done.getAsLong();
        int pending = backlog.get().pending();
        long moved = total - lastDone;
        double seconds = (now - lastAt) / 1e9;
        if (moved > 0 && backlogStartDone < 0 && pending > 0) {
            backlogStartDone = lastDone;
            backlogStartAt = lastAt;
        }
        if (backlogStartDone >= 0 && moved > 0) {
            long sinceStart = total - backlogStartDone;
            double rate = moved / seconds;
            if (pending > 0) {
                line = String.format(Locale.ROOT, "PROGRESS done %d, pending %d, %.1f/s, ETA %s", sinceStart, pending,
                        rate, human(Duration.ofSeconds((long) Math.ceil(pending / rate))));
            } else {
                line = "PROGRESS done " + sinceStart + ", pending 0: backlog drained in "
                        + human(Duration.ofNanos(now - backlogStartAt));
            }
        }
        if (pending == 0) {
            backlogStartDone = -1;
        }
        lastDone = total;
        lastAt = now;
        return line;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        if (s < 86400) {
            return (s / 3600) + "h " + (s % 3600 / 60) + "m";
        }
        return (s / 86400) + "d " + (s % 86400 / 3600) + "h";
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
