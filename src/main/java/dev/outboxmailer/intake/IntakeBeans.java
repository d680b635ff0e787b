package dev.outboxmailer.intake;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.component.file.GenericFileOnCompletion;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.support.LoggingExceptionHandler;

/**
 * The intake stage's beans for the folders: {@code outboxFolder} (the main outbox's filter and claim),
 * {@code watchedFolders} (the route template's), {@code claimedDrafts} (claims on their way to the sender,
 * and the ones whose retry is due), {@code directDrafts} for {@code direct:outbox-mailer}, and
 * {@code fileCompletionErrors}, the folder routes' {@code onCompletionExceptionHandler}.
 */
public final class IntakeBeans {
    /** How many due drafts one look at the retry schedule hands out at most. */
    static final int DUE_BATCH = 1000;
    /** How long a new leader tries a watched folder's lock that the leader before it still holds. */
    static final Duration STEP_DOWN_GRACE = Duration.ofSeconds(15);

    private IntakeBeans() {}

    /**
     * @param main   the main outbox, opened (recovered) before any route starts
     * @param onOpen told of every other folder opened (the backlog gauge and the health check watch it too)
     */
    public static void wire(Wiring wiring, Outboxes outboxes, Outboxes.Outbox main, DeliveryPause pause,
                            Consumer<Path> onOpen) {
        wire(wiring, outboxes, new OutboxFolder(main, outboxes, pause), pause, onOpen, () -> true, Duration.ZERO);
    }

    /**
     * A standby's intake ({@code cluster.mode}): no outbox is opened until this instance leads; then the
     * leader opens them (their recovery) before its routes pick anything up.
     *
     * @param leading whether this instance leads now (a watched folder is opened as its route is created only then)
     */
    public static void wireStandby(Wiring wiring, Outboxes outboxes, Path main, DeliveryPause pause,
                                   Consumer<Path> onOpen, BooleanSupplier leading) {
        // a leader stepping down (its disk lost) holds its watched folders' locks until its process is gone
        wire(wiring, outboxes, new OutboxFolder(main, outboxes, pause), pause, onOpen, leading, STEP_DOWN_GRACE);
    }

    /**
     * @param main   the main outbox's filter and claim
     * @param onOpen told of every other folder opened (the backlog gauge and the health check watch it too)
     */
    private static void wire(Wiring wiring, Outboxes outboxes, OutboxFolder main, DeliveryPause pause,
                             Consumer<Path> onOpen, BooleanSupplier leading, Duration lockWait) {
        wiring.bind("outboxFolder", main);
        wiring.bind("watchedFolders", new WatchedFolders(outboxes, pause, main.folder(), onOpen, wiring::closeAtStop,
                leading, lockWait));
        wiring.bind("claimedDrafts", new ClaimedDrafts(outboxes, pause, DUE_BATCH));
        wiring.bind("directDrafts", new DirectDrafts(pause));
        wiring.bind("fileCompletionErrors", fileCompletionErrors(wiring.context()));
    }

    /**
     * The folder routes' {@code onCompletionExceptionHandler}: what camel-file makes for every file it picks up when
     * its endpoint names none, made once (making it looks its logger up, and Log4j walks the stack for that: 0.4 %
     * of the machine in perf).
     */
    public static ExceptionHandler fileCompletionErrors(CamelContext context) {
        return new LoggingExceptionHandler(context, GenericFileOnCompletion.class);
    }
}
