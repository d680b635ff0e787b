package dev.outboxmailer.bounce;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.deliver.TrustedCertificates;
import dev.outboxmailer.observe.MailerMetrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side's beans (SPEC §11), for {@code routes/bounces.yaml}: {@code bounces} (the route's processor),
 * {@code suppression} (route {@code send-draft}), {@code bounceMailProperties} (TLS verified against {@code bounces.trust-store}, default {@code smtp.trust-store})
 * and {@code sentIndex} (which {@code routes/outbox.yaml} feeds as drafts are sent); the health check
 * {@code bounces}; and the settings the route reads ({@code bounces.enabled}, {@code bounces.endpoint},
 * {@code bounces.login.password}, {@code bounces.poll-delay-ms}). Without {@code bounces.url} the route is not
 * created and nothing is indexed.
 */
public final class BounceBeans {
    private static final Logger LOG = LoggerFactory.getLogger(BounceBeans.class);

    private BounceBeans() {}

    /** The bounce route's settings while it is off (no bounces.url, or a check): its placeholders still resolve. */
    public static void routeOff(Wiring wiring) {
        wiring.derive("bounces.enabled", "false");
        wiring.derive("bounces.endpoint", "imaps://localhost");
        wiring.derive("bounces.login.password", "");
        wiring.derive("bounces.poll-delay-ms", "60000");
        wiring.derive("bounces.folder", "INBOX");
        wiring.derive("bounces.username", "");
    }

    public static void wire(Wiring wiring, Path outbox, MailerMetrics metrics, Clock clock, Duration recheck)
            throws Exception {
        Optional<BounceSettings> read = BounceSettings.read(wiring::property);
        wiring.derive("bounces.enabled", String.valueOf(read.isPresent()));
        SentIndex index = wiring.bind("sentIndex", new SentIndex(outbox, clock, read.isPresent()));
        // the suppression list is used whenever it has lines, also with bounces.url unset
        Suppression suppression = wiring.bind("suppression", new Suppression(outbox, clock));
        // the SMTP envelope (route send-draft): mail.return-path, mail.verp, the DSN requests and the ENVID token
        wiring.bind("envelopeSender", EnvelopeSender.read(wiring::property, read.isPresent(), outbox));
        if (read.isEmpty()) {
            routeOff(wiring);
            return;
        }
        BounceSettings s = read.get();
        Properties mail = new Properties();
        String p = "mail." + s.protocol();
        mail.put(p + ".connectiontimeout", "10000");
        mail.put(p + ".timeout", "30000");
        if (!s.plain()) {
            TrustedCertificates.requireLoadable(s.trustStore());
            mail.put(p + ".ssl.enable", "true");
            mail.put(p + ".ssl.socketFactory", TrustedCertificates.sslContext(s.trustStore()).getSocketFactory());
            mail.put(p + ".ssl.checkserveridentity", "true");
        } else {
            LOG.warn("The bounce mailbox {} is read without encryption (bounces.security=plain): its login and the "
                    + "reports cross the network in clear text", s.describe());
        }
        wiring.bind("bounceMailProperties", mail);
        wiring.derive("bounces.endpoint", s.protocol() + "://" + s.host() + ":" + s.port());
        wiring.derive("bounces.login.password", s.password());
        wiring.derive("bounces.poll-delay-ms", String.valueOf(Math.max(1, s.pollDelay().toMillis())));
        wiring.derive("bounces.folder", s.folder());
        wiring.derive("bounces.username", s.username());
        BounceHealthCheck health = new BounceHealthCheck(s, mail, recheck, clock);
        wiring.health().register(health);
        Optional<QueueSettings> queue = QueueSettings.read(wiring::property);
        wiring.bind("bounces", new Bounces(index, new SeenReports(outbox), suppression, metrics, clock,
                s.unmatchedFolder(), s.maxSize(), health,
                queue.filter(QueueSettings::receipts).map(q -> q.name() + ".bounces"),
                queue.map(QueueSettings::instanceId).orElse(null)));
        LOG.info("Reading bounces from {} every {}", s.describe(), s.pollDelay());
    }
}
