package dev.outboxmailer.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;

/**
 * The one place that owns outbox-mailer's meter names (SPEC §8), as Prometheus shows them on
 * {@code /observe/metrics}:
 * <ul>
 *   <li>{@code outbox_mailer_sent_total} — drafts the server accepted;</li>
 *   <li>{@code outbox_mailer_failed_total{kind="invalid-draft|rejected|expired"}} — drafts that can never be sent;</li>
 *   <li>{@code outbox_mailer_retries_total} — passing failures that scheduled another attempt;</li>
 *   <li>{@code outbox_mailer_bounces_total{kind="hard|soft"}} — bounces matched to a sent draft (SPEC §11);</li>
 *   <li>{@code outbox_mailer_pending_drafts} — drafts waiting in the watched folders (new or waiting for a retry);</li>
 *   <li>{@code outbox_mailer_oldest_pending_age_seconds} — how long the oldest of them has been there;</li>
 *   <li>{@code outbox_mailer_send_seconds} (histogram) — time from handing a message to the SMTP stage to the
 *       server's acceptance.</li>
 * </ul>
 * The outcome stage records them; the {@link Backlog} answers the two gauges when they are read.
 */
public final class MailerMetrics {
    public static final String SENT = "outbox.mailer.sent";
    public static final String FAILED = "outbox.mailer.failed";
    public static final String RETRIES = "outbox.mailer.retries";
    public static final String BOUNCES = "outbox.mailer.bounces";
    public static final String PENDING = "outbox.mailer.pending.drafts";
    public static final String OLDEST_PENDING_AGE = "outbox.mailer.oldest.pending.age";
    public static final String SEND_LATENCY = "outbox.mailer.send";
    /** Exchange property: when the message was handed to the SMTP stage ({@link System#nanoTime()}). */
    public static final String SEND_STARTED = "outboxMailerSendStarted";
    private static final String[] KINDS = {"invalid-draft", "rejected", "expired"};

    private final MeterRegistry registry;
    private final Counter sent;
    private final Counter retries;
    private final Map<String, Counter> failed = new ConcurrentHashMap<>();
    private final Timer latency;

    public MailerMetrics(MeterRegistry registry, Backlog backlog) {
        this.registry = registry;
        this.sent = Counter.builder(SENT).description("Drafts the SMTP server accepted").register(registry);
        this.retries = Counter.builder(RETRIES).description("Passing failures that scheduled another attempt")
                .register(registry);
        for (String kind : KINDS) {
            failedCounter(kind);
        }
        this.latency = Timer.builder(SEND_LATENCY).description("From handing a message to SMTP to its acceptance")
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
                        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
                        Duration.ofSeconds(60))
                .register(registry);
        if (backlog != null) {
            Gauge.builder(PENDING, backlog, b -> b.snapshot().pending())
                    .description("Drafts waiting in the watched folders").register(registry);
            Gauge.builder(OLDEST_PENDING_AGE, backlog, b -> b.snapshot().oldestAge().toMillis() / 1000.0)
                    .description("Age of the oldest draft waiting in the watched folders").baseUnit("seconds")
                    .register(registry);
        }
    }

    /** Meters nobody reads: for the outcome stage used on its own (tests). */
    public static MailerMetrics unpublished() {
        return new MailerMetrics(new SimpleMeterRegistry(), null);
    }

    /** A bounce matched to a sent draft (SPEC §11): {@code kind} is {@code hard} or {@code soft}. */
    public void bounced(String kind) {
        Counter.builder(BOUNCES).tag("kind", kind).description("Bounces matched to a sent draft")
                .register(registry).increment();
    }

    /** The send-draft route calls this just before the SMTP endpoint. */
    public void sending(Exchange exchange) {
        exchange.setProperty(SEND_STARTED, System.nanoTime());
    }

    public void sent(Exchange exchange) {
        sent.increment();
        Long started = exchange.getProperty(SEND_STARTED, Long.class);
        if (started != null) {
            latency.record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    public void failed(String kind) {
        failedCounter(kind).increment();
    }

    private Counter failedCounter(String kind) {
        return failed.computeIfAbsent(kind, k -> Counter.builder(FAILED).tag("kind", k)
                .description("Drafts that can never be sent, by kind").register(registry));
    }

    public void retry() {
        retries.increment();
    }

    /** Drafts that reached an outcome (sent or failed) since start. */
    public long done() {
        double failures = failed.values().stream().mapToDouble(Counter::count).sum();
        return (long) (sent.count() + failures);
    }
}
