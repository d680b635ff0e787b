package dev.outboxmailer.sign;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bean {@code dkim} of route send-draft (routes/outbox.yaml), the step right after {@code composer.compose}:
 * a message from {@code dkim.domain} (or below it) is signed there, over the bytes the SMTP transport will send,
 * and sealed. Without {@code dkim.*} settings it passes every message on unsigned. {@link #create} reads the
 * settings and logs the DNS TXT record each selector needs.
 */
public final class Dkim {
    private static final Logger LOG = LoggerFactory.getLogger(Dkim.class);

    private final DkimSigner signer;

    private Dkim(DkimSigner signer) {
        this.signer = signer;
    }

    /** From the configuration; a key that cannot work stops the start ({@link dev.outboxmailer.config.ConfigException}). */
    public static Dkim create(Function<String, Optional<String>> lookup) {
        DkimSigner signer = DkimSettings.read(lookup, Clock.systemUTC()).orElse(null);
        if (signer != null) {
            for (DkimKey key : signer.keys()) {
                LOG.info("DKIM: mail from {} and its subdomains is signed with selector {} ({}); publish in DNS: {} TXT \"{}\"",
                        signer.domain(), key.selector(), key.describe(), key.dnsName(), key.dnsRecord());
            }
        }
        return new Dkim(signer);
    }

    /** Signs the message when it is from the signing domain; any other message is passed on unchanged. */
    public void sign(OutgoingMessage message) throws MessagingException, IOException {
        if (signer != null) {
            signer.sign(message);
        }
    }
}
