package dev.outboxmailer.outcome;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which drafts wait for a later attempt, until when, and how many attempts they had. A draft that waits
 * holds up no other one: intake skips it until it is due. The schedule is kept in a file
 * ({@code outbox/.state/retries.json}, rewritten atomically on every change), so a restart neither
 * forgets attempts nor resets the give-up clock.
 */
public final class RetrySchedule {
    private static final Logger LOG = LoggerFactory.getLogger(RetrySchedule.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

    private final RetryPolicy policy;
    private final Clock clock;
    private final Path file;
    private final Map<String, Entry> entries = new TreeMap<>();

    /** @param file where the schedule is kept; null keeps it in memory only */
    public RetrySchedule(RetryPolicy policy, Clock clock, Path file) {
        this.policy = policy;
        this.clock = clock;
        this.file = file;
        load();
    }

    /** What happens next to a draft whose attempt failed for a passing reason. */
    public sealed interface Next permits RetryAt, GiveUp {}

    /** Tried again at {@code when}, after {@code attempts} failed attempts. */
    public record RetryAt(Instant when, int attempts) implements Next {}

    /** Tried for longer than {@code retry.give-up-after}: it fails as {@code expired}. */
    public record GiveUp(int attempts, Duration triedFor) implements Next {}

    public synchronized boolean isDue(String draft) {
        Entry e = entries.get(draft);
        return e == null || !clock.instant().isBefore(e.notBefore);
    }

    /** Attempts made so far for the draft (0 if it never failed). */
    public synchronized int attempts(String draft) {
        Entry e = entries.get(draft);
        return e == null ? 0 : e.attempts;
    }

    /** Records a failed attempt and says when to try next, or to give up. */
    public synchronized Next failedAttempt(String draft) {
        Instant now = clock.instant();
        Entry old = entries.get(draft);
        int attempts = old == null ? 1 : old.attempts + 1;
        Instant first = old == null ? now : old.firstAttempt;
        Duration triedFor = Duration.between(first, now);
        if (triedFor.compareTo(policy.giveUpAfter()) >= 0) {
            entries.remove(draft);
            save();
            return new GiveUp(attempts, triedFor);
        }
        Instant when = now.plus(policy.delayAfter(attempts));
        entries.put(draft, new Entry(first, when, attempts));
        save();
        return new RetryAt(when, attempts);
    }

    /** The draft reached its outcome (or left the outbox): nothing to remember. */
    public synchronized void forget(String draft) {
        if (entries.remove(draft) != null) {
            save();
        }
    }

    /** Forgets drafts that are no longer in the outbox (a user took them out while they waited). */
    public synchronized void keepOnly(java.util.function.Predicate<String> stillThere) {
        if (entries.keySet().removeIf(stillThere.negate())) {
            save();
        }
    }

    private void load() {
        if (file == null || !Files.exists(file)) {
            return;
        }
        try {
            entries.putAll(JSON.readValue(file.toFile(), new TypeReference<Map<String, Entry>>() {}));
            LOG.info("{} draft(s) wait for a retry (schedule read from {})", entries.size(), file);
        } catch (IOException e) {
            // an unreadable schedule must not stop delivery: the drafts are still in the outbox
            LOG.warn("Cannot read the retry schedule {} ({}); waiting drafts are tried again now", file, e.getMessage());
        }
    }

    private void save() {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), entries);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the retry schedule " + file, e);
        }
    }

    /** One waiting draft. */
    record Entry(Instant firstAttempt, Instant notBefore, int attempts) {}
}
