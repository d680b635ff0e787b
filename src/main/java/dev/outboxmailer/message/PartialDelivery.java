package dev.outboxmailer.message;

import dev.outboxmailer.message.DeliveryReport.Rejection;
import java.util.ArrayList;
import java.util.List;

/**
 * A draft the server took for some recipients and deferred ({@code 4xx}) for others: what its next attempt
 * owes. Carried as the exchange property {@link #PROPERTY} into the retry (from a claimed draft's retry
 * record, or from the JMS property {@link #HEADER} of a re-queued copy), so the retry goes to the owed
 * recipients alone, under the Message-ID the others got, and the final receipt lists everyone.
 *
 * @param messageId the Message-ID the delivered recipients got
 * @param delivered recipients who have the message: never sent to again
 * @param rejected  recipients refused for good ({@code 5xx}) so far
 * @param owed      recipients the next attempt is for
 */
public record PartialDelivery(String messageId, List<String> delivered, List<Rejection> rejected, List<String> owed) {
    public static final String PROPERTY = "outboxMailerPartial";
    /** The JMS property of a re-queued copy that carries this, as JSON. */
    public static final String HEADER = "outboxPartial";

    public PartialDelivery {
        delivered = delivered == null ? List.of() : List.copyOf(delivered);
        rejected = rejected == null ? List.of() : List.copyOf(rejected);
        owed = owed == null ? List.of() : List.copyOf(owed);
    }

    /** What an attempt leaves: this one's answer added to what was known. */
    public PartialDelivery after(String id, List<String> accepted, List<Rejection> refused, List<String> stillOwed) {
        List<String> all = new ArrayList<>(delivered);
        all.addAll(accepted);
        List<Rejection> no = new ArrayList<>(rejected);
        no.addAll(refused);
        return new PartialDelivery(messageId != null ? messageId : id, all, no, stillOwed);
    }

    public static final PartialDelivery NONE = new PartialDelivery(null, List.of(), List.of(), List.of());
}
