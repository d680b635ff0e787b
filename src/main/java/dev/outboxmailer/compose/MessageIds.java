package dev.outboxmailer.compose;

import jakarta.mail.internet.InternetAddress;
import java.util.UUID;

/** New Message-IDs on the sender's own domain, {@code <random-uuid@example.com>}, never on the JVM host's name. */
final class MessageIds {

    private MessageIds() {}

    static String newFor(InternetAddress from) {
        return "<" + UUID.randomUUID() + "@" + Addresses.domainOf(from) + ">";
    }
}
