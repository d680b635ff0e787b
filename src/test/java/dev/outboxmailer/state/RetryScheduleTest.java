package dev.outboxmailer.state;

import dev.outboxmailer.config.RetryPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retry schedule: exponential, capped, giving up, keyed by the claim, one record a file, surviving a restart. */
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

    static final RetrySchedule.Unfinished WHOLE = new RetrySchedule.Unfinished("<m@example.com>", List.of(), List.of(),
            List.of(), Map.of(), "451 busy");

    Claim claim(String id, String name) {
        return new Claim(id, name, dir.resolve(".state/claims").resolve(id + "~" + name));
    }

    RetrySchedule schedule() throws Exception {
        return new RetrySchedule(POLICY, clock, dir, new StateTrouble());
    }

    @Test
    void aWaitingClaimIsNotDueUntilItsTimeAndOthersAreUnaffected() throws Exception {
        RetrySchedule schedule = schedule();
        RetrySchedule.Next next = schedule.failedAttempt(claim("k1", "a.json"), WHOLE);
        assertThat(next).isEqualTo(new RetrySchedule.RetryAt(clock.instant().plusSeconds(5), 1));
        schedule.returned("k1");
        assertThat(schedule.takeDue(10)).isEmpty();
        clock.advance(Duration.ofSeconds(5));
        assertThat(schedule.takeDue(10)).containsExactly("k1");
        assertThat(schedule.takeDue(10)).as("handed out once").isEmpty();
    }

    @Test
    void attemptsTheGiveUpClockAndTheOwedRecipientsSurviveARestart() throws Exception {
        RetrySchedule before = schedule();
        before.failedAttempt(claim("k1", "a.json"), WHOLE);
        clock.advance(Duration.ofSeconds(5));
        before.failedAttempt(claim("k1", "a.json"), new RetrySchedule.Unfinished("<m@example.com>",
                List.of("bob@example.org"), List.of(), List.of("grey@example.org"), Map.of("to", "x@example.org"), "451 greylisted"));

        RetrySchedule after = schedule();
        assertThat(after.attempts("k1")).isEqualTo(2);
        Waiting w = after.get("k1");
        assertThat(w.delivered()).containsExactly("bob@example.org");
        assertThat(w.deferred()).containsExactly("grey@example.org");
        assertThat(w.messageId()).isEqualTo("<m@example.com>");
        assertThat(w.folderDefaults()).containsEntry("to", "x@example.org");
        assertThat(after.takeDue(10)).isEmpty();

        clock.advance(Duration.ofDays(2));
        assertThat(after.failedAttempt(claim("k1", "a.json"), WHOLE)).isInstanceOf(RetrySchedule.GiveUp.class);
        after.forget("k1");
        assertThat(schedule().attempts("k1")).isZero();
    }

    @Test
    void theSameNameDroppedAgainIsANewDraftWithAClockOfItsOwn() throws Exception {
        RetrySchedule schedule = schedule();
        schedule.failedAttempt(claim("k1", "report.json"), WHOLE);
        clock.advance(Duration.ofDays(1));
        assertThat(schedule.attempts("k2")).isZero();
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        assertThat(schedule.failedAttempt(claim("k2", "report.json"), WHOLE)).isInstanceOf(RetrySchedule.RetryAt.class);
        assertThat(schedule.failedAttempt(claim("k1", "report.json"), WHOLE)).isInstanceOf(RetrySchedule.GiveUp.class);
    }

    @Test
    void eachChangeWritesOneSmallRecordNotTheWholeSchedule() throws Exception {
        RetrySchedule schedule = schedule();
        for (int i = 0; i < 50; i++) {
            schedule.failedAttempt(claim("k" + i, "d" + i + ".json"), WHOLE);
        }
        Path folder = dir.resolve(".state/waiting");
        long before = Files.getLastModifiedTime(folder.resolve("k0.json")).toMillis();
        Thread.sleep(20);
        schedule.failedAttempt(claim("k49", "d49.json"), WHOLE);
        assertThat(Files.getLastModifiedTime(folder.resolve("k0.json")).toMillis()).isEqualTo(before);
        try (var files = Files.list(folder)) {
            assertThat(files.filter(f -> f.toString().endsWith(".json")).count()).isEqualTo(50);
        }
        assertThat(Files.size(folder.resolve("k49.json"))).isLessThan(1024);
    }

    @Test
    void aNullOrPartialRecordIsSetAsideWithTheStartGoingOn() throws Exception {
        Path folder = Files.createDirectories(dir.resolve(".state/waiting"));
        Files.writeString(folder.resolve("k1.json"), "null");
        Files.writeString(folder.resolve("k2.json"), "{\"name\": \"b.json\", \"attempts\": 3}");
        Files.writeString(folder.resolve("k3.json"), "{not json");
        // a record whose name would make a path out of the claims folder
        Files.writeString(folder.resolve("k4.json"), "{\"name\": \"x/../../../../etc/passwd\", \"firstAttempt\": "
                + "\"2026-11-27T10:00:00Z\", \"notBefore\": \"2026-11-27T10:00:00Z\", \"attempts\": 1}");
        RetrySchedule schedule = schedule();
        assertThat(schedule.claims()).isEmpty();
        try (var files = Files.list(folder)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .hasSize(4).allMatch(n -> n.matches("k[1234]\\.json\\.corrupt-\\d{8}T\\d{6}"));
        }
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
