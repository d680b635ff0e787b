package dev.outboxmailer.intake;

import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.outcome.DeliveryPause;
import dev.outboxmailer.outcome.DeliveryPausedException;
import dev.outboxmailer.outcome.RetrySchedule;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * The outbox folder as intake sees it: which files are drafts ready now (the file endpoint's
 * {@code filter=#outboxFolder}), and how a picked-up file becomes a {@link Draft}.
 */
public final class OutboxFolder implements GenericFileFilter<File> {

    private final Path folder;
    private final RetrySchedule schedule;
    private final DeliveryPause pause;

    public OutboxFolder(Path folder, RetrySchedule schedule, DeliveryPause pause) {
        this.folder = folder;
        this.schedule = schedule;
        this.pause = pause;
    }

    public Path folder() {
        return folder;
    }

    /**
     * A regular file that is not waiting for a later retry, while sending is not paused (during an
     * operator problem, one draft at a time probes). Names and sub-folders are excluded by the route.
     */
    @Override
    public boolean accept(GenericFile<File> file) {
        return !file.isDirectory() && schedule.isDue(file.getFileName()) && pause.admits();
    }

    /**
     * The picked-up file as a draft (read as it is needed, streamed where it may be large), remembering
     * where it came from for the outcome.
     */
    public Draft read(Exchange exchange) throws IOException, InvalidDraftException, DeliveryPausedException {
        Path file = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
        String name = file.getFileName().toString();
        exchange.setProperty(DraftSource.PROPERTY, new DraftSource(name, file));
        if (pause.isPaused()) {
            throw new DeliveryPausedException(pause.problem()); // picked up in the same scan as a failed one
        }
        if (Files.isSymbolicLink(file) && !file.toRealPath().startsWith(folder.toRealPath())) {
            throw new InvalidDraftException("the draft is a link to a file outside the outbox (" + file.toRealPath()
                    + "); it was not read");
        }
        Draft draft = Draft.ofFile(name, file, folder);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                draft.close(); // the file a large .eml was streamed from
            }
        });
        return draft;
    }
}
