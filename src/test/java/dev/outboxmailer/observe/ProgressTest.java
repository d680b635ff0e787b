package dev.outboxmailer.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The PROGRESS line: counts, rate and ETA while a backlog drains; silence while idle or held. */
class ProgressTest {
    static final long S = 1_000_000_000L;

    @Test
    void countsRateAndEtaWhileABacklogDrainsThenOneLastLine() {
        AtomicLong done = new AtomicLong(7); // sent before the backlog
        AtomicInteger pending = new AtomicInteger(0);
        Progress progress = new Progress(done::get, () -> new Backlog.Snapshot(pending.get(), Duration.ZERO), 0);

        assertThat(progress.line(5 * S)).as("idle").isNull();
        pending.set(1000);
        assertThat(progress.line(10 * S)).as("nothing sent yet").isNull();
        done.addAndGet(200);
        pending.set(800);
        assertThat(progress.line(15 * S)).isEqualTo("PROGRESS done 200, pending 800, 40.0/s, ETA 20s");
        assertThat(progress.line(20 * S)).as("held: nothing moved").isNull();
        done.addAndGet(500);
        pending.set(300);
        assertThat(progress.line(25 * S)).isEqualTo("PROGRESS done 700, pending 300, 100.0/s, ETA 3s");
        done.addAndGet(300);
        pending.set(0);
        assertThat(progress.line(30 * S)).isEqualTo("PROGRESS done 1000, pending 0: backlog drained in 20s");
        assertThat(progress.line(35 * S)).isNull();
        progress.close();
    }

    @Test
    void longDurationsReadLikeAPersonWritesThem() {
        assertThat(Progress.human(Duration.ofSeconds(92))).isEqualTo("1m 32s");
        assertThat(Progress.human(Duration.ofMinutes(135))).isEqualTo("2h 15m");
        assertThat(Progress.human(Duration.ofHours(50))).isEqualTo("2d 2h");
    }
}
