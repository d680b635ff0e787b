package dev.outboxmailer.deliver;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.config.MailerSettings;
import dev.outboxmailer.deliver.oauth.TokenSource;
import dev.outboxmailer.sandbox.Sandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deliver stage's beans: {@code smtpSender} (the pooled, reusing sender; the sandbox's when no
 * {@code smtp.host} is set) and {@code resends}; and the throttle's settings for {@code smtp.rate-limit}.
 */
public final class DeliveryBeans {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryBeans.class);

    private DeliveryBeans() {}

    /**
     * The routes' settings that are computed: the throttle's, from {@code smtp.rate-limit} (none: practically
     * unlimited), and {@code outbox.in-flight} (the sender threads of a folder), 4 per connection unless set.
     */
    public static void deriveRouteSettings(Wiring wiring, MailerSettings settings) {
        RateLimit rate = settings.rateLimit() == null ? RateLimit.unlimited() : settings.rateLimit();
        wiring.derive("rate-limit.messages", String.valueOf(rate.messages()));
        wiring.derive("rate-limit.period-ms", String.valueOf(rate.period().toMillis()));
        wiring.derive("outbox.in-flight", String.valueOf(settings.inFlight()));
    }

    /** Returns the sender, and the settings it delivers with (the sandbox's, without smtp.host). */
    public static PooledMailSender wire(Wiring wiring, MailerSettings settings, TokenSource tokens) throws IOException {
        SmtpSettings smtp = settings.smtp();
        if (settings.sandbox()) {
            Sandbox sandbox = wiring.closeAtStop(Sandbox.start(Path.of(wiring.property("sandbox.dir").orElse("sandbox"))));
            smtp = new SmtpSettings(sandbox.host(), sandbox.port(), Security.PLAIN, null, null, null,
                    settings.connections(), Duration.ofSeconds(10), Duration.ofSeconds(30));
        } else if (smtp.security() == Security.PLAIN) {
            LOG.warn("smtp.security=plain: mail and the password cross the network unencrypted to {}", smtp.describe());
        }
        if (settings.rateLimit() != null) {
            LOG.info("Rate limit: at most {} message(s)", settings.rateLimit());
        }
        deriveRouteSettings(wiring, settings);
        PooledMailSender sender = wiring.closeAtStop(new PooledMailSender(smtp, tokens));
        sender.prepareInBackground();
        wiring.bind("smtpSender", sender);
        wiring.bind("resends", new Resends());
        return sender;
    }
}
