package dev.outboxmailer.outcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which drafts wait for a later attempt, and until when. A draft that waits holds up no other one: intake
 * simply skips it until it is due. Kept in memory (a restart tries waiting drafts at once).
 */
public final class RetrySchedule {

    private final RetryPolicy policy;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public RetrySchedule(RetryPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    /** What happens next to a draft whose attempt failed for a passing reason. */
    public sealed interface Next permits RetryAt, GiveUp {}

    /** Tried again at {@code when}, after {@code attempts} failed attempts. */
    public record RetryAt(Instant when, int attempts) implements Next {}

    /** Tried for longer than {@code retry.give-up-after}: it fails as {@code expired}. */
    public record GiveUp(int attempts, Duration triedFor) implements Next {}

    public boolean isDue(String draft) {
        Entry e = entries.get(draft);
        return e == null || !clock.instant().isBefore(e.notBefore);
    }

    /** Attempts made so far for the draft (0 if it never failed). */
    public int attempts(String draft) {
        Entry e = entries.get(draft);
        return e == null ? 0 : e.attempts;
    }

    /** Records a failed attempt and says when to try next, or to give up. */
    public Next failedAttempt(String draft) {
        Instant now = clock.instant();
        Entry e = entries.compute(draft, (k, old) -> old == null
                ? new Entry(now, now, 1)
                : new Entry(old.firstAttempt == null ? now : old.firstAttempt, now, old.attempts + 1));
        Duration triedFor = Duration.between(e.firstAttempt, now);
        if (triedFor.compareTo(policy.giveUpAfter()) >= 0) {
            entries.remove(draft);
            return new GiveUp(e.attempts, triedFor);
        }
        Instant when = now.plus(policy.delayAfter(e.attempts));
        entries.put(draft, new Entry(e.firstAttempt, when, e.attempts));
        return new RetryAt(when, e.attempts);
    }

    /** Holds a draft back without counting an attempt (the operator has something to fix). */
    public void hold(String draft, Duration pause) {
        Instant until = clock.instant().plus(pause);
        entries.compute(draft, (k, old) -> old == null
                ? new Entry(null, until, 0)
                : new Entry(old.firstAttempt, until, old.attempts));
    }

    /** The draft reached its outcome (or left the outbox): nothing to remember. */
    public void forget(String draft) {
        entries.remove(draft);
    }

    /** {@code firstAttempt} is null while a draft was only held, never attempted. */
    private record Entry(Instant firstAttempt, Instant notBefore, int attempts) {}
}
