package dev.outboxmailer.state;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What keeps the outboxes from recording what happened (a receipt that cannot be filed, a retry record the
 * disk does not take), by the folder that has the trouble. While there is any, the health check
 * {@code outbox} is DOWN with the reason and no new draft is claimed: a mail is not sent when its outcome
 * could not be kept.
 */
public final class StateTrouble {
    private final Map<Path, String> problems = new ConcurrentHashMap<>();

    /** Reports a problem with {@code where}; returns true when it is new (so it is logged once). */
    public boolean report(Path where, String reason) {
        return !reason.equals(problems.put(where, reason));
    }

    /** The trouble with {@code where} is over; returns true when there was one. */
    public boolean clear(Path where) {
        return problems.remove(where) != null;
    }

    /** True while anything cannot be recorded. */
    public boolean any() {
        return !problems.isEmpty();
    }

    /** One reason, for health, or null when there is none. */
    public String problem() {
        return problems.values().stream().sorted().findFirst().orElse(null);
    }
}
