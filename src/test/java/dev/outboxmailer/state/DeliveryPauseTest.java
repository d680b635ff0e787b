package dev.outboxmailer.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The pause of an operator problem: the same problem again doubles it, though the server's reply differs. */
class DeliveryPauseTest {
    static final String QUOTA = "the SMTP server refuses mail from this account for now, its sending limit is reached (…): ";

    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aQuotaReplyWithANewSessionTagEachTimeIsTheSameProblemAndThePauseDoubles() {
        MovableClock clock = new MovableClock();
        DeliveryPause pause = new DeliveryPause(clock, Duration.ofSeconds(30));
        pause.pause(QUOTA + "550 5.4.5 Daily user sending quota exceeded. a1-20020a05 - gsmtp");
        assertThat(pause.pausedUntil()).isEqualTo(clock.now.plusSeconds(30));
        clock.now = clock.now.plusSeconds(31);
        assertThat(pause.admits()).isTrue(); // the probe
        pause.pause(QUOTA + "550 5.4.5 Daily user sending quota exceeded. b7-30303b17 - gsmtp");
        assertThat(pause.pausedUntil()).isEqualTo(clock.now.plusSeconds(60));
        assertThat(pause.problem()).endsWith("b7-30303b17 - gsmtp"); // health shows the latest reply
    }

    @Test
    void anotherProblemStartsAgainFromTheFirstPause() {
        MovableClock clock = new MovableClock();
        DeliveryPause pause = new DeliveryPause(clock, Duration.ofSeconds(30));
        pause.pause(QUOTA + "550 5.4.5 Daily user sending quota exceeded.");
        clock.now = clock.now.plusSeconds(31);
        pause.pause("the SMTP server refused the login (check smtp.username and the password): 535 5.7.8 bad");
        assertThat(pause.pausedUntil()).isEqualTo(clock.now.plusSeconds(30));
    }
}
