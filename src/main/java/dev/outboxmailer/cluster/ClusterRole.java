package dev.outboxmailer.cluster;

import java.util.function.Consumer;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's role in {@code cluster.mode}, told by the cluster view: {@code standby} until the lock (or the
 * lease) is ours; then the recovery of SPEC §9 runs — on the view's thread, before the route policies that are
 * told after this listener start any route — and the role is {@code leader}. A leader that loses the lock
 * (its heartbeat could not be written: the disk is gone) steps down: its pick-up routes stop and the process
 * exits with {@link #STEPPED_DOWN}, so that its supervisor starts it again as a standby with fresh state.
 */
public final class ClusterRole implements CamelClusterEventListener.Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRole.class);
    /** The exit code of an instance that lost the lead. */
    public static final int STEPPED_DOWN = 3;

    /** What {@code /observe/health} shows as the role. */
    public enum Role { STANDBY, LEADER, STEPPING_DOWN }

    private final String mode;
    private final String lock;
    private final String member;
    private final Runnable recovery;
    private final Consumer<String> stepDown;
    private volatile Role role = Role.STANDBY;
    private volatile long since = System.currentTimeMillis();

    /**
     * @param lock     where the lock is (the file, or the lease), for the log and health
     * @param recovery the outboxes' recovery, run on taking the lead before any pick-up route starts
     * @param stepDown ends the process, given the reason
     */
    ClusterRole(String mode, String lock, String member, Runnable recovery, Consumer<String> stepDown) {
        this.mode = mode;
        this.lock = lock;
        this.member = member;
        this.recovery = recovery;
        this.stepDown = stepDown;
        LOG.info("STANDBY {} waits for {} (cluster.mode={}): it takes over when the active instance stops or dies",
                member, lock, mode);
    }

    public Role role() {
        return role;
    }

    public boolean leading() {
        return role == Role.LEADER;
    }

    /** The role in a sentence, for a person (the console). */
    public String describe() {
        return switch (role) {
            case LEADER -> member + " leads (" + lock + ") and sends";
            case STANDBY -> "This instance (" + member + ") is the standby: it sends nothing and takes over when the "
                    + "instance holding " + lock + " stops or dies. That instance's console shows its waiting drafts.";
            case STEPPING_DOWN -> "This instance (" + member + ") is stepping down: it sends nothing more.";
        };
    }

    String mode() {
        return mode;
    }

    String lock() {
        return lock;
    }

    String member() {
        return member;
    }

    long since() {
        return since;
    }

    @Override
    public synchronized void leadershipChanged(CamelClusterView view, CamelClusterMember leader) {
        boolean ours = view.getLocalMember().isLeader();
        if (ours && role == Role.STEPPING_DOWN) {
            // the lock came back while the process ends: the route policies after this listener are not told,
            // so nothing starts again; the OS releases the lock when the process is gone
            throw new IllegalStateException(member + " is stepping down: it does not lead again");
        }
        if (ours && role == Role.STANDBY) {
            long start = System.currentTimeMillis();
            LOG.info("LEADER {} holds {} now: recovering the outboxes (filings, claims, retries) before picking "
                    + "anything up", member, lock);
            try {
                recovery.run();
            } catch (RuntimeException e) {
                role = Role.STEPPING_DOWN;
                since = System.currentTimeMillis();
                String reason = "the recovery failed: " + e.getMessage();
                LOG.error("STEPPING DOWN {}: {}", member, reason, e);
                stepDown.accept(reason);
                throw e; // the route policies after this listener are not told: nothing starts
            }
            role = Role.LEADER;
            since = System.currentTimeMillis();
            LOG.info("LEADER {} recovered in {} ms; its routes start now", member, since - start);
        } else if (!ours && role == Role.LEADER) {
            role = Role.STEPPING_DOWN;
            since = System.currentTimeMillis();
            String reason = "lost " + lock + " (its heartbeat could not be written, or another instance holds it)";
            LOG.error("STEPPING DOWN {}: {}; its routes stop, and it exits ({}) to start again as a standby",
                    member, reason, STEPPED_DOWN);
            stepDown.accept(reason);
        }
    }

    /**
     * Ends the process once the leader-only routes have stopped (the route policies told after this listener
     * stop them, letting the drafts in flight finish), or after 30 s. It halts rather than running Camel's
     * shutdown: with the lost lock the cluster view keeps firing, and Camel's shutdown can deadlock with it; and
     * whatever the halt interrupts is what a crash interrupts, which the next leader's recovery handles (SPEC §9).
     *
     * @param stopped whether every leader-only route has stopped
     */
    static void exitToStepDown(java.util.function.BooleanSupplier stopped) {
        Thread exit = new Thread(() -> {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            try {
                Thread.sleep(200); // the policies are told right after this listener
                while (!stopped.getAsBoolean() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LOG.error("STEPPED DOWN: exiting ({})", STEPPED_DOWN);
            org.apache.logging.log4j.LogManager.shutdown();
            Runtime.getRuntime().halt(STEPPED_DOWN);
        }, "step-down");
        exit.setDaemon(false);
        exit.start();
    }
}
