package dev.outboxmailer.state;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sending as a whole is paused while the operator has something to fix (the server refuses our login,
 * its certificate is not trusted, its host is unknown). No draft is touched or charged an attempt; after
 * the pause one draft tries again, and the pause doubles (30 s up to 10 min) while the problem lasts, so
 * a wrong password is not hammered into a locked account. The problem is logged once, not once per draft.
 */
public final class DeliveryPause {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryPause.class);
    static final Duration LONGEST = Duration.ofMinutes(10);

    private final Clock clock;
    private final Duration first;
    private String problem;
    private Instant until = Instant.MIN;
    private Duration length;
    private boolean probing;
    private Instant probeSince = Instant.MIN;
    private volatile Instant lastAccepted = Instant.MIN;
    /** A probe that never reported back (its file vanished before it was read) stops blocking after this. */
    static final Duration PROBE_GIVEN_UP = Duration.ofMinutes(2);

    public DeliveryPause(Clock clock, Duration first) {
        this.clock = clock;
        this.first = first;
        this.length = first;
    }

    /** True while drafts must wait. */
    public synchronized boolean isPaused() {
        return clock.instant().isBefore(until);
    }

    /**
     * May one more draft go out now? Always while there is no problem; during a problem, once the pause
     * is over, exactly one draft (the probe) until its outcome is known.
     */
    public synchronized boolean admits() {
        if (problem == null) {
            return true;
        }
        if (isPaused() || (probing && clock.instant().isBefore(probeSince.plus(PROBE_GIVEN_UP)))) {
            return false;
        }
        probing = true;
        probeSince = clock.instant();
        return true;
    }

    /** The probe ended without telling whether the problem is gone (e.g. the server was unreachable). */
    public synchronized void probeInconclusive() {
        probing = false;
    }

    /** When the current pause ends (a past instant when sending is not paused). */
    public synchronized Instant pausedUntil() {
        return until;
    }

    /** The problem that paused sending, or null when there is none. */
    public synchronized String problem() {
        return problem;
    }

    /** An operator problem showed up (again): pause, unless a pause is already running. */
    public synchronized void pause(String reason) {
        if (isPaused()) {
            return;
        }
        if (!sameProblem(reason, problem)) {
            LOG.error("HELD: drafts wait, untouched, until this is fixed: {}", reason);
            length = first;
        } else {
            length = length.multipliedBy(2).compareTo(LONGEST) > 0 ? LONGEST : length.multipliedBy(2);
        }
        problem = reason;
        probing = false;
        until = clock.instant().plus(length);
        LOG.debug("Sending paused until {}", until);
    }

    /**
     * The same problem again, though the server's words may differ: a reason reads "what is wrong (what to do): the
     * server's reply", and a reply may carry a session tag of its own each time (Gmail's {@code … - gsmtp}). So the
     * HELD line is logged once and the pause keeps doubling.
     */
    static boolean sameProblem(String reason, String problem) {
        if (problem == null) {
            return false;
        }
        int a = reason.indexOf(": ");
        int b = problem.indexOf(": ");
        return a < 0 || b < 0 ? reason.equals(problem) : reason.substring(0, a).equals(problem.substring(0, b));
    }

    /** When the server last took a draft (for health: it was reachable and took our login then). */
    public Instant lastAccepted() {
        return lastAccepted;
    }

    /** The server took a draft: whatever the problem was, it is gone. */
    public synchronized void clear() {
        lastAccepted = clock.instant();
        if (problem != null) {
            LOG.info("RESUMED: the SMTP server accepts mail again; held drafts are being sent");
        }
        problem = null;
        probing = false;
        until = Instant.MIN;
        length = first;
    }
}
