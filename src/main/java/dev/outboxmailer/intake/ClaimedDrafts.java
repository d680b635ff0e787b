package dev.outboxmailer.intake;

import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.outcome.DeliveryPause;
import dev.outboxmailer.outcome.DeliveryPausedException;
import dev.outboxmailer.state.Claim;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.Waiting;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Claimed drafts on their way to the sender (route {@code claimed-draft}): a fresh claim from a folder, or
 * one whose retry is due ({@link #due()}, route {@code waiting-drafts}). A retry goes out under the
 * Message-ID its first recipients got, and only to the recipients still owed it ({@link #onlyTheOwed}).
 */
public final class ClaimedDrafts {
    /** Exchange property: what a retry still owes ({@link Owed}). */
    static final String OWED = "outboxMailerOwed";

    /** What a retry still owes: the Message-ID to keep, and the recipients (empty: all of the draft's). */
    record Owed(String messageId, List<String> recipients) {}

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
        if (Files.isSymbolicLink(source.file())) {
            throw new InvalidDraftException("the draft is a link, not a regular file; a link could reach outside the "
                    + "outbox, so it was not read");
        }
        if (!Files.isRegularFile(source.file(), LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidDraftException("the draft is not a regular file (a folder, a FIFO, a socket or a device); "
                    + "it was not read");
        }
        Waiting waiting = outboxes.of(source.outbox()).schedule().get(source.claim());
        if (waiting != null && (waiting.messageId() != null || !waiting.deferred().isEmpty())) {
            exchange.setProperty(OWED, new Owed(waiting.messageId(), waiting.deferred()));
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

    /**
     * After compose (route {@code send-draft}): a retry goes to the recipients still owed it alone, under the
     * Message-ID the others got. Does nothing for a first attempt, or a draft that is not a claimed one.
     */
    public void onlyTheOwed(Exchange exchange) throws MessagingException {
        Owed owed = exchange.getProperty(OWED, Owed.class);
        if (owed == null || !(exchange.getMessage().getBody() instanceof OutgoingMessage message)) {
            return;
        }
        if (!owed.recipients().isEmpty()) {
            List<InternetAddress> to = new ArrayList<>();
            for (String address : owed.recipients()) {
                try {
                    to.add(new InternetAddress(address, true));
                } catch (AddressException e) {
                    throw new MessagingException("a deferred recipient is not an address: " + address, e);
                }
            }
            message.setEnvelopeRecipients(to);
        }
        if (owed.messageId() != null) {
            message.setHeader("Message-ID", owed.messageId());
        }
    }
}
