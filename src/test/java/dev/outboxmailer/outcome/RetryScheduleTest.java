package dev.outboxmailer.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retry schedule: exponential, capped, giving up, and surviving a restart. */
class RetryScheduleTest {
    static final RetryPolicy POLICY = new RetryPolicy(Duration.ofSeconds(5), 2, Duration.ofMinutes(10), Duration.ofDays(2));

    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));

    @Test
    void delaysDoubleUpToTheCap() {
        assertThat(POLICY.delayAfter(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(POLICY.delayAfter(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(POLICY.delayAfter(5)).isEqualTo(Duration.ofSeconds(80));
        assertThat(POLICY.delayAfter(20)).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aWaitingDraftIsNotDueUntilItsTimeAndOthersAreUnaffected() {
        RetrySchedule schedule = new RetrySchedule(POLICY, clock, null);
        RetrySchedule.Next next = schedule.failedAttempt("a.json");
        assertThat(next).isEqualTo(new RetrySchedule.RetryAt(clock.instant().plusSeconds(5), 1));
        assertThat(schedule.isDue("a.json")).isFalse();
        assertThat(schedule.isDue("b.json")).isTrue();
        clock.advance(Duration.ofSeconds(5));
        assertThat(schedule.isDue("a.json")).isTrue();
    }

    @Test
    void attemptsAndTheGiveUpClockSurviveARestart() {
        Path file = dir.resolve("retries.json");
        RetrySchedule before = new RetrySchedule(POLICY, clock, file);
        before.failedAttempt("a.json");
        clock.advance(Duration.ofSeconds(5));
        before.failedAttempt("a.json");

        RetrySchedule after = new RetrySchedule(POLICY, clock, file);
        assertThat(after.attempts("a.json")).isEqualTo(2);
        assertThat(after.isDue("a.json")).isFalse();

        clock.advance(Duration.ofDays(2));
        assertThat(after.failedAttempt("a.json")).isInstanceOf(RetrySchedule.GiveUp.class);
        assertThat(new RetrySchedule(POLICY, clock, file).attempts("a.json")).isZero();
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
