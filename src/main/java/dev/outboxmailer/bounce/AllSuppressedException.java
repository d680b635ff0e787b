package dev.outboxmailer.bounce;

import dev.outboxmailer.compose.InvalidDraftException;

/** Every recipient of the draft is on the suppression list: it fails at once, as kind {@code suppressed}. */
public final class AllSuppressedException extends InvalidDraftException {
    public AllSuppressedException(String reason) {
        super(reason);
    }
}
