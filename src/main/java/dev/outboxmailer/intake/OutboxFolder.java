package dev.outboxmailer.intake;

import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Claim;
import dev.outboxmailer.state.Outboxes;
import java.io.File;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;

/**
 * An outbox folder as intake sees it: which files are drafts to take now (the file endpoint's
 * {@code filter}), and the claim that takes one out of the user's hands before anything reads it.
 */
public final class OutboxFolder implements GenericFileFilter<File>, Processor {

    private final Path dir;
    private volatile Outboxes.Outbox outbox;
    private final Outboxes outboxes;
    private final DeliveryPause pause;

    public OutboxFolder(Outboxes.Outbox outbox, Outboxes outboxes, DeliveryPause pause) {
        this.dir = outbox.dir();
        this.outbox = outbox;
        this.outboxes = outboxes;
        this.pause = pause;
    }

    /**
     * An outbox opened (recovered) only when it is first needed: a standby ({@code cluster.mode}) opens it when
     * it takes the lead, before its routes start; this is the safety net should a pick-up come first.
     */
    public OutboxFolder(Path dir, Outboxes outboxes, DeliveryPause pause) {
        this.dir = dir.toAbsolutePath().normalize();
        this.outboxes = outboxes;
        this.pause = pause;
    }

    public Path folder() {
        return dir;
    }

    private Outboxes.Outbox outbox() {
        Outboxes.Outbox opened = outbox;
        if (opened == null) {
            opened = outboxes.open(dir);
            outbox = opened;
        }
        return opened;
    }

    /**
     * Anything but a folder, while sending is not paused (during an operator problem, one draft at a time
     * probes) and outcomes can be recorded. Names are excluded by the route.
     */
    @Override
    public boolean accept(GenericFile<File> file) {
        return outbox() != null && !file.isDirectory() && !outboxes.trouble().any() && pause.admits();
    }

    /**
     * Claims the picked-up file: renames it into {@code .state/claims/}, so every later read is of these bytes
     * and its name is free for a new draft. A file that is gone (another scan took it, or its user did) or
     * that arrives while sending is paused is left alone: the route stops here for it.
     */
    public void claim(Exchange exchange) throws IOException {
        Path file = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
        if (pause.isPaused() || outboxes.trouble().any()) {
            exchange.setRouteStop(true); // it stays in the outbox, untouched
            return;
        }
        Outboxes.Outbox outbox = outbox();
        Claim claim;
        try {
            claim = outbox.claims().claim(file);
        } catch (NoSuchFileException gone) {
            exchange.setRouteStop(true);
            return;
        }
        outbox.schedule().taking(claim.id());
        exchange.setProperty(DraftSource.PROPERTY,
                new DraftSource(claim.name(), claim.file(), claim.id(), outbox.dir(), FolderDefaults.of(exchange)));
    }

    /** The route step (outbox-folder): {@link #claim}. */
    @Override
    public void process(Exchange exchange) throws IOException {
        claim(exchange);
    }
}
