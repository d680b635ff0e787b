package dev.outboxmailer.compose;

import jakarta.mail.internet.InternetAddress;
import java.util.List;

/**
 * What composing needs from the configuration.
 *
 * @param defaultFrom        {@code mail.from}: the From of drafts that carry none (may be null)
 * @param defaultRecipients  {@code mail.to}: recipients of bare files (may be empty)
 * @param maxSizeBytes       {@code mail.max-size}: the largest encoded message accepted
 */
public record ComposeSettings(InternetAddress defaultFrom, List<InternetAddress> defaultRecipients, long maxSizeBytes) {
    public ComposeSettings {
        defaultRecipients = List.copyOf(defaultRecipients);
    }
}
