package dev.outboxmailer.intake;

import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.file.FileEndpoint;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folders watched by the route template {@code watched-folder} ({@code routes/folders.yaml}), each an
 * outbox of its own: its own instance lock, claims, retry schedule, {@code .sent}/{@code .failed} folders and
 * attachment jail, and its own default recipients, subject and From ({@link FolderDefaults}). Sending
 * (the pool, the rate limit, the pause for operator problems) is shared with the main outbox.
 *
 * <p>In a templated route this one bean is the route policy (which opens the folder when the route is
 * created: lock, recovery), the file filter and the claim step.
 */
public final class WatchedFolders extends RoutePolicySupport implements GenericFileFilter<File> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedFolders.class);

    private final Map<Path, OutboxFolder> folders = new ConcurrentHashMap<>();
    private final Outboxes outboxes;
    private final DeliveryPause pause;
    private final Path mainOutbox;
    private final Consumer<Path> onOpen;
    private final Consumer<AutoCloseable> closeAtStop;
    private final BooleanSupplier leading;
    private final java.time.Duration lockWait;
    private final Set<Path> notYetOpened = ConcurrentHashMap.newKeySet();

    /**
     * @param mainOutbox  {@code outbox.dir}, which the main route watches; a template may not watch it again
     * @param onOpen      told of every folder opened (the backlog gauge and the health check watch it too)
     * @param closeAtStop takes each folder's lock, to release it when the application stops
     */
    public WatchedFolders(Outboxes outboxes, DeliveryPause pause, Path mainOutbox, Consumer<Path> onOpen,
                          Consumer<AutoCloseable> closeAtStop) {
        this(outboxes, pause, mainOutbox, onOpen, closeAtStop, () -> true, java.time.Duration.ZERO);
    }

    /**
     * @param leading whether this instance leads its outboxes now: a standby ({@code cluster.mode}) opens a folder
     *                (lock, recovery) only once it leads ({@link #openAll()}, or the folder's first pick-up)
     * @param lockWait how long a folder's lock held by another process is tried again: zero without
     *                 {@code cluster.mode} (a second instance is told at once); on a standby that takes the lead
     *                 from a leader stepping down, the moment until that leader's process is gone
     */
    public WatchedFolders(Outboxes outboxes, DeliveryPause pause, Path mainOutbox, Consumer<Path> onOpen,
                          Consumer<AutoCloseable> closeAtStop, BooleanSupplier leading, java.time.Duration lockWait) {
        this.leading = leading;
        this.lockWait = lockWait;
        this.outboxes = outboxes;
        this.pause = pause;
        this.mainOutbox = mainOutbox.toAbsolutePath().normalize();
        this.onOpen = onOpen;
        this.closeAtStop = closeAtStop;
    }

    /** A templated route is created: open its folder before any draft is picked up. */
    @Override
    public void onInit(Route route) {
        if (route.getEndpoint() instanceof FileEndpoint file) {
            Path dir = file.getFile().toPath().toAbsolutePath().normalize();
            if (dir.equals(mainOutbox)) {
                open(dir); // the configuration error, at once
            }
            if (leading.getAsBoolean()) {
                open(dir);
            } else {
                notYetOpened.add(dir);
            }
        }
    }

    /** This instance took the lead: every folder whose route exists is opened (its recovery run) now. */
    public void openAll() {
        for (Path dir : notYetOpened) {
            open(dir);
            notYetOpened.remove(dir);
        }
    }

    /** Opens the folder (once): creates it, takes its lock, runs its recovery. */
    OutboxFolder open(Path folder) {
        Path dir = folder.toAbsolutePath().normalize();
        if (dir.equals(mainOutbox)) {
            throw new ConfigException("routes", "the folder " + dir + " is outbox.dir, which outbox-mailer watches "
                    + "already; give the template another folder");
        }
        return folders.computeIfAbsent(dir, d -> {
            try {
                java.nio.file.Files.createDirectories(d);
                closeAtStop.accept(OutboxLock.acquire(d, lockWait));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot watch " + d, e);
            }
            OutboxFolder opened = new OutboxFolder(outboxes.open(d), outboxes, pause);
            onOpen.accept(d);
            LOG.info("Watching {} as well", d);
            return opened;
        });
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        return open(file.getFile().getAbsoluteFile().getParentFile().toPath()).accept(file);
    }

    /** Claims the picked-up file for its folder (see {@link OutboxFolder#claim}). */
    public void claim(Exchange exchange) throws IOException {
        Path file = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
        open(file.getParent()).claim(exchange);
    }
}
