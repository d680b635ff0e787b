package dev.outboxmailer.intake;

import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.PartialDelivery;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.DeliveryPausedException;
import dev.outboxmailer.state.Claim;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.Waiting;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Claimed drafts on their way to the sender (route {@code claimed-draft}): a fresh claim from a folder, or
 * one whose retry is due ({@link #due()}, route {@code waiting-drafts}). A retry carries what its first
 * attempts left ({@link PartialDelivery}): it goes to the recipients still owed it alone, under the
 * Message-ID the others got.
 */
public final class ClaimedDrafts implements Processor {
    private final Outboxes outboxes;
    private final DeliveryPause pause;
    private final int batch;

    /** @param batch how many due drafts one look at the schedule hands out at most */
    public ClaimedDrafts(Outboxes outboxes, DeliveryPause pause, int batch) {
        this.outboxes = outboxes;
        this.pause = pause;
        this.batch = batch;
    }

    /** The claims whose retry is due, while sending may go on (one, as the probe, during an operator problem). */
    public List<DraftSource> due() {
        if (outboxes.trouble().any() || pause.isPaused()) {
            return List.of();
        }
        boolean anyDue = outboxes.all().stream().anyMatch(o -> o.schedule().hasDue());
        if (!anyDue || !pause.admits()) {
            return List.of();
        }
        int max = pause.problem() == null ? batch : 1;
        List<DraftSource> due = new ArrayList<>();
        for (Outboxes.Outbox outbox : outboxes.all()) {
            for (String id : outbox.schedule().takeDue(max - due.size())) {
                Claim claim = outbox.claim(id);
                Waiting waiting = outbox.schedule().get(id);
                if (claim != null && waiting != null) {
                    due.add(new DraftSource(claim.name(), claim.file(), id, outbox.dir(), waiting.folderDefaults()));
                }
            }
        }
        return due;
    }

    /** The claimed draft (the body from {@link #due()}, or the exchange's) as a {@link Draft} to compose. */
    public Draft read(Exchange exchange) throws InvalidDraftException, DeliveryPausedException {
        DraftSource source = exchange.getMessage().getBody() instanceof DraftSource body ? body
                : exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        exchange.setProperty(DraftSource.PROPERTY, source);
        if (pause.isPaused()) {
            throw new DeliveryPausedException(pause.problem()); // claimed in the same scan as a failed one
        }
        Waiting waiting = outboxes.of(source.outbox()).schedule().get(source.claim());
        if (waiting != null && (waiting.messageId() != null || !waiting.deferred().isEmpty())) {
            exchange.setProperty(PartialDelivery.PROPERTY, new PartialDelivery(waiting.messageId(), waiting.delivered(),
                    waiting.rejected(), waiting.deferred()));
        }
        Draft draft = Draft.ofFile(source.name(), source.file(), source.outbox());
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                draft.close(); // the file a large .eml was streamed from
            }
        });
        return draft.withDefaults(FolderDefaults.parse(source.folderDefaults()));
    }

    /** The route step (claimed-draft): {@link #read} into the body. */
    @Override
    public void process(Exchange exchange) throws InvalidDraftException, DeliveryPausedException {
        exchange.getMessage().setBody(read(exchange));
    }
}
