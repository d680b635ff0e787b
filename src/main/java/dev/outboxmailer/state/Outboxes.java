package dev.outboxmailer.state;

import dev.outboxmailer.config.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue manager's view of every watched outbox (the main one and the route template's): each one's
 * claims and retry schedule. Opening an outbox runs its recovery, in order, before any draft of it is
 * picked up: interrupted filings are finished (their drafts were accepted: never sent again), claims with a
 * retry record wait for it, and claims the last run took but had not sent go back to the outbox.
 */
public final class Outboxes {
    private static final Logger LOG = LoggerFactory.getLogger(Outboxes.class);

    /** One outbox's state. */
    public record Outbox(Path dir, Claims claims, RetrySchedule schedule) {
        /** The claim file of a claim id, known from its retry record. */
        public Claim claim(String id) {
            Waiting w = schedule.get(id);
            return w == null ? null : new Claim(id, w.name(), claims.folder().resolve(id + Claim.SEPARATOR + w.name()));
        }
    }

    /** The outcome stage's part of the recovery: finishing filings that a crash or a full disk interrupted. */
    public interface Filings {
        /** Finishes what it can; returns the claimed draft files whose filing is still to be done. */
        Set<Path> open(Path outbox) throws IOException;
    }

    private final Map<Path, Outbox> open = new ConcurrentHashMap<>();
    private final RetryPolicy policy;
    private final Clock clock;
    private final StateTrouble trouble;
    private final Filings filings;

    public Outboxes(RetryPolicy policy, Clock clock, StateTrouble trouble, Filings filings) {
        this.policy = policy;
        this.clock = clock;
        this.trouble = trouble;
        this.filings = filings;
    }

    public StateTrouble trouble() {
        return trouble;
    }

    /** Opens the outbox (once), running its recovery. */
    public Outbox open(Path folder) {
        return open.computeIfAbsent(folder.toAbsolutePath().normalize(), dir -> {
            try {
                return recover(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the outbox " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    /** The opened outbox at {@code dir}, or null. */
    public Outbox of(Path dir) {
        return dir == null ? null : open.get(dir.toAbsolutePath().normalize());
    }

    public Collection<Outbox> all() {
        return open.values();
    }

    private Outbox recover(Path dir) throws IOException {
        Files.createDirectories(dir);
        retireOldSchedule(dir);
        Set<Path> unfiled = filings.open(dir);
        RetrySchedule schedule = new RetrySchedule(policy, clock, dir, trouble);
        Claims claims = new Claims(dir);
        Set<String> present = new HashSet<>();
        int released = 0;
        for (Claim claim : claims.all()) {
            if (unfiled.contains(claim.file())) {
                schedule.taking(claim.id()); // accepted: only its filing is left
                present.add(claim.id());
            } else if (schedule.get(claim.id()) != null && schedule.get(claim.id()).name().equals(claim.name())
                    && Files.isRegularFile(claim.file(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                present.add(claim.id()); // waits for its retry
            } else {
                try {
                    claims.release(claim); // claimed, not sent: picked up again like any draft
                    released++;
                } catch (IOException e) {
                    LOG.warn("The claimed draft {} cannot go back to the outbox ({}); it stays in {}", claim.name(),
                            e.getMessage(), claims.folder());
                }
            }
        }
        schedule.keepOnly(present);
        if (released > 0) {
            LOG.info("{} draft(s) of {} were claimed but not sent when the last run stopped; they are back in the "
                    + "outbox and are sent now", released, dir);
        }
        return new Outbox(dir, claims, schedule);
    }

    /**
     * Before claims, the schedule was one file keyed by draft name ({@code .state/retries.json}). Its drafts
     * are in the outbox and are simply tried again; the file is kept aside for a person to look at.
     */
    private void retireOldSchedule(Path dir) {
        Path old = dir.resolve(".state").resolve("retries.json");
        if (Files.exists(old)) {
            StateFiles.setAside(old, "the retry schedule of an earlier version, by draft name",
                    "drafts waiting in the outbox are tried again now", clock);
        }
    }

}
