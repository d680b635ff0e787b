package dev.outboxmailer.sign;

import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bean {@code dkim} of route send-draft (routes/outbox.yaml), the step right after {@code composer.compose}:
 * a message from {@code dkim.domain} (or below it) is signed there, over the bytes the SMTP transport will send,
 * and sealed. Without {@code dkim.*} settings it passes every message on unsigned. A watched folder may choose
 * another domain's keys with its {@code dkim} parameter (routes/folders.yaml; carried in the draft's
 * {@link DraftSource#folderDefaults()}, also into its retries), naming a set
 * {@code dkim.<name>.domain}, {@code dkim.<name>.selector}, {@code dkim.<name>.key-file}. {@link #create} reads
 * every set at start and logs the DNS TXT record each selector needs.
 */
public final class Dkim implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(Dkim.class);

    private final DkimSigner signer;
    private final Map<String, DkimSigner> named;

    private Dkim(DkimSigner signer, Map<String, DkimSigner> named) {
        this.signer = signer;
        this.named = named;
    }

    /** True when a key set {@code dkim.<name>.*} of that name is configured. */
    public boolean hasKeySet(String name) {
        return named.containsKey(name.strip());
    }

    /** From Camel's configuration: the main set and every named set it holds. */
    public static Dkim create(PropertiesComponent properties) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String key : properties.loadProperties(k -> k.startsWith("dkim.")).stringPropertyNames()) {
            String[] parts = key.split("\\.");
            if (parts.length == 3 && !parts[1].isEmpty()) {
                names.add(parts[1]);
            }
        }
        return create(properties::resolveProperty, names);
    }

    /** From a lookup; {@code names} are the named sets ({@code dkim.<name>.*}) to read besides the main one. */
    public static Dkim create(Function<String, Optional<String>> lookup, Collection<String> names) {
        Clock clock = Clock.systemUTC();
        DkimSigner signer = DkimSettings.read(lookup, clock).orElse(null);
        Map<String, DkimSigner> named = new TreeMap<>();
        for (String name : names) {
            DkimSettings.read(lookup, "dkim." + name + ".", clock).ifPresent(s -> named.put(name, s));
        }
        if (signer != null) {
            announce(signer, "");
        }
        named.forEach((name, s) -> announce(s, " (for folders with dkim " + name + ")"));
        return new Dkim(signer, named);
    }

    private static void announce(DkimSigner signer, String where) {
        for (DkimKey key : signer.keys()) {
            LOG.info("DKIM{}: mail from {} and its subdomains is signed with selector {} ({}); publish in DNS: {} TXT \"{}\"",
                    where, signer.domain(), key.selector(), key.describe(), key.dnsName(), key.dnsRecord());
        }
    }

    /**
     * Signs the message when it is from the signing domain (the folder's named set where it chose one); any other
     * message is passed on unchanged.
     */
    public void sign(OutgoingMessage message, @ExchangeProperty(DraftSource.PROPERTY) DraftSource source)
            throws MessagingException, IOException, InvalidDraftException {
        String folderKeys = source == null ? null : source.folderDefaults().get("dkim");
        DkimSigner chosen = signer;
        if (folderKeys != null && !folderKeys.isBlank()) {
            chosen = named.get(folderKeys.strip());
            if (chosen == null) {
                throw new InvalidDraftException("its folder signs with the DKIM keys '" + folderKeys.strip()
                        + "' (the watched-folder parameter dkim), but dkim." + folderKeys.strip() + ".domain, .selector and "
                        + ".key-file are not in the configuration");
            }
        }
        if (chosen != null) {
            chosen.sign(message);
        }
    }

    /** The route step (send-draft): the body, an {@link OutgoingMessage}, {@linkplain #sign signed}. */
    @Override
    public void process(Exchange exchange) throws MessagingException, IOException, InvalidDraftException, InvalidPayloadException {
        sign(exchange.getMessage().getMandatoryBody(OutgoingMessage.class), exchange.getProperty(DraftSource.PROPERTY, DraftSource.class));
    }
}
