package dev.outboxmailer.outcome;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.config.RetryPolicy;
import dev.outboxmailer.observe.MailerMetrics;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import java.time.Clock;
import java.util.Optional;

/**
 * The outcome stage's beans: {@code outcomes} (claimed drafts of the folders), {@code callerOutcomes}
 * ({@code direct:outbox-mailer}) and, with the queue on, {@code queueOutcomes}.
 */
public final class OutcomeBeans {
    private OutcomeBeans() {}

    public static void wire(Wiring wiring, Outboxes outboxes, Filing filing, DeliveryPause pause, Clock clock,
                            MailerMetrics metrics, RetryPolicy retry, Optional<QueueSettings> queue) {
        wiring.bind("outcomes", new Outcomes(outboxes, filing, pause, clock, metrics));
        wiring.bind("callerOutcomes", new CallerOutcomes(pause, clock, metrics));
        queue.ifPresent(q -> wiring.bind("queueOutcomes", new QueueOutcomes(q, retry, pause, clock, metrics)));
    }
}
