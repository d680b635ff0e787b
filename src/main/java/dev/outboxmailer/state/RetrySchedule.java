package dev.outboxmailer.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outboxmailer.config.RetryPolicy;
import dev.outboxmailer.message.DeliveryReport;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which claimed drafts wait for a later attempt, until when, and what is known of them ({@link Waiting}),
 * keyed by the claim (a draft dropped again under the same name is a new draft with a clock of its own).
 * Each record is a file of its own in {@code .state/waiting/}, written atomically and synced when it
 * changes, so the writes are proportional to the change and a restart neither forgets attempts nor resets
 * the give-up clock. A record that cannot be read is set aside with one warning; its draft is tried again.
 */
public final class RetrySchedule {
    private static final Logger LOG = LoggerFactory.getLogger(RetrySchedule.class);
    public static final String FOLDER = "waiting";
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What happens next to a draft whose attempt did not finish it. */
    public sealed interface Next permits RetryAt, GiveUp {}

    /** Tried again at {@code when}, after {@code attempts} attempts. */
    public record RetryAt(Instant when, int attempts) implements Next {}

    /** Tried for longer than {@code retry.give-up-after}: what is still owed expires. */
    public record GiveUp(int attempts, Duration triedFor) implements Next {}

    /**
     * What an attempt that did not finish the draft leaves: everything known so far.
     *
     * @param deferred recipients still owed the message; empty for "all of them"
     */
    public record Unfinished(String messageId, List<String> delivered, List<DeliveryReport.Rejection> rejected,
                             List<String> deferred, Map<String, String> folderDefaults, String reason) {}

    private final RetryPolicy policy;
    private final Clock clock;
    private final Path folder;
    private final StateTrouble trouble;
    private final Map<String, Waiting> waiting = new HashMap<>();
    /** Claims handed to a sender and not back yet: not due again meanwhile. */
    private final Set<String> taken = new HashSet<>();

    public RetrySchedule(RetryPolicy policy, Clock clock, Path outbox, StateTrouble trouble) throws IOException {
        this.policy = policy;
        this.clock = clock;
        this.folder = Files.createDirectories(outbox.resolve(".state").resolve(FOLDER));
        this.trouble = trouble;
        load();
    }

    /** The record of a claim, or null when it never failed. */
    public synchronized Waiting get(String claim) {
        return waiting.get(claim);
    }

    /** Attempts made so far for the claim (0 if it never failed). */
    public synchronized int attempts(String claim) {
        Waiting w = waiting.get(claim);
        return w == null ? 0 : w.attempts();
    }

    /** The claims that have a record. */
    public synchronized Set<String> claims() {
        return Set.copyOf(waiting.keySet());
    }

    /**
     * Records an attempt that did not finish the draft and says when to try next, or to give up. The record
     * is on disk before this returns (where the disk takes it: otherwise it is kept in memory and the trouble
     * is reported), so recipients who have the message are never sent it again.
     */
    public synchronized Next failedAttempt(Claim claim, Unfinished attempt) {
        Instant now = clock.instant();
        Waiting old = waiting.get(claim.id());
        int attempts = old == null ? 1 : old.attempts() + 1;
        Instant first = old == null ? now : old.firstAttempt();
        Duration triedFor = Duration.between(first, now);
        if (triedFor.compareTo(policy.giveUpAfter()) >= 0) {
            return new GiveUp(attempts, triedFor);
        }
        Instant when = now.plus(policy.delayAfter(attempts));
        save(claim.id(), new Waiting(claim.name(), first, when, attempts, attempt.messageId(), attempt.delivered(),
                attempt.rejected(), attempt.deferred(), attempt.folderDefaults(), attempt.reason()));
        return new RetryAt(when, attempts);
    }

    /** Sending is paused: the claim is due again as soon as it may go, charged nothing. */
    public synchronized void hold(Claim claim, Map<String, String> folderDefaults) {
        Waiting old = waiting.get(claim.id());
        Instant now = clock.instant();
        waiting.put(claim.id(), old != null
                ? new Waiting(old.name(), old.firstAttempt(), now, old.attempts(), old.messageId(), old.delivered(),
                        old.rejected(), old.deferred(), old.folderDefaults(), old.lastReason())
                : new Waiting(claim.name(), now, now, 0, null, List.of(), List.of(), List.of(), folderDefaults, null));
        taken.remove(claim.id());
    }

    /** True when some claim is due now and not handed out. */
    public synchronized boolean hasDue() {
        Instant now = clock.instant();
        for (Map.Entry<String, Waiting> e : waiting.entrySet()) {
            if (!taken.contains(e.getKey()) && !now.isBefore(e.getValue().notBefore())) {
                return true;
            }
        }
        return false;
    }

    /** Up to {@code max} claims due now, each handed out once until {@link #returned} or {@link #forget}. */
    public synchronized List<String> takeDue(int max) {
        Instant now = clock.instant();
        List<String> due = new ArrayList<>();
        for (Map.Entry<String, Waiting> e : waiting.entrySet()) {
            if (due.size() >= max) {
                break;
            }
            if (!taken.contains(e.getKey()) && !now.isBefore(e.getValue().notBefore())) {
                due.add(e.getKey());
            }
        }
        taken.addAll(due);
        return due;
    }

    /** The claim is handed to a sender (a fresh claim, or one due again). */
    public synchronized void taking(String claim) {
        taken.add(claim);
    }

    /** The attempt for a claim is over and its record says what is next. */
    public synchronized void returned(String claim) {
        taken.remove(claim);
    }

    /** The draft reached its outcome: nothing to remember. */
    public synchronized void forget(String claim) {
        taken.remove(claim);
        if (waiting.remove(claim) != null) {
            try {
                Files.deleteIfExists(file(claim));
            } catch (IOException e) {
                LOG.warn("Cannot delete the retry record {}: {}", file(claim), e.getMessage());
            }
        }
    }

    /** Forgets records whose claim is gone (its draft was filed while the record was being removed). */
    public synchronized void keepOnly(Set<String> claims) {
        for (String id : Set.copyOf(waiting.keySet())) {
            if (!claims.contains(id)) {
                forget(id);
            }
        }
    }

    private void save(String claim, Waiting record) {
        waiting.put(claim, record);
        try {
            StateFiles.writeAtomically(file(claim), JSON.writeValueAsBytes(record));
            trouble.clear(folder);
        } catch (IOException e) {
            trouble.report(folder, "cannot write the retry record " + file(claim) + " (" + e.getMessage()
                    + "); it is kept in memory until the disk takes it");
        }
    }

    private Path file(String claim) {
        return folder.resolve(claim + ".json");
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String claim = name.substring(0, name.length() - ".json".length());
                try {
                    Waiting record = JSON.readValue(file.toFile(), Waiting.class);
                    if (record == null || !record.complete()) {
                        StateFiles.setAside(file, "it is empty, lacks firstAttempt/notBefore/attempts, or has no plain name",
                                "its draft is tried again now", clock);
                    } else {
                        waiting.put(claim, record);
                    }
                } catch (IOException e) {
                    StateFiles.setAside(file, e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()),
                            "its draft is tried again now", clock);
                }
            }
        }
        if (!waiting.isEmpty()) {
            LOG.info("{} draft(s) of {} wait for a retry", waiting.size(), folder.getParent().getParent());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
