package dev.outboxmailer.compose;

import jakarta.mail.internet.InternetAddress;
import java.util.List;

/**
 * What a watched folder of its own (the route template {@code watched-folder}) gives the drafts dropped into
 * it, in place of the global {@code mail.from} / {@code mail.to}: the From of drafts that carry none, the
 * recipients of bare files, and the subject of drafts that have none. Each part may be absent (null or
 * empty): the global setting applies.
 */
public record DraftDefaults(InternetAddress from, List<InternetAddress> to, String subject) {
    public DraftDefaults {
        to = to == null ? List.of() : List.copyOf(to);
        subject = subject == null || subject.isBlank() ? null : subject;
    }

    public boolean isEmpty() {
        return from == null && to.isEmpty() && subject == null;
    }

    /** The global settings with these defaults in their place. */
    ComposeSettings over(ComposeSettings global) {
        return new ComposeSettings(from != null ? from : global.defaultFrom(),
                to.isEmpty() ? global.defaultRecipients() : to, global.maxSizeBytes());
    }

    /** The envelope, with this subject where it has none. */
    EnvelopeDraft over(EnvelopeDraft d) {
        if (subject == null || (d.subject() != null && !d.subject().isEmpty())) {
            return d;
        }
        return new EnvelopeDraft(d.from(), d.to(), d.cc(), d.bcc(), d.replyTo(), subject, d.text(), d.html(),
                d.markdown(), d.attachments(), d.headers(), d.messageId(), d.unsubscribe());
    }
}
