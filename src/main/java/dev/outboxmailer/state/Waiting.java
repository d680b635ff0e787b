package dev.outboxmailer.state;

import dev.outboxmailer.message.DeliveryReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What is known of a claimed draft that is not done yet: when it was first tried, when it is due again, how
 * many attempts it had, and — once the server took it for some recipients — who has it already, who refused
 * it for good, and who is still owed it (deferred with a {@code 4xx}). Kept as
 * {@code .state/waiting/<claim id>.json}.
 *
 * @param name           the draft's name (for people reading the file)
 * @param messageId      the Message-ID the recipients who have it got, so the rest get the same; null before
 * @param delivered      recipients the server accepted in an earlier attempt: never sent to again
 * @param rejected       recipients refused for good ({@code 5xx}) in an earlier attempt
 * @param deferred       recipients still owed the message; empty means all of the draft's recipients
 * @param folderDefaults the watched folder's {@code to}/{@code subject}/{@code from}, for a retry after a restart
 * @param lastReason     why the last attempt did not finish the draft
 */
public record Waiting(String name, Instant firstAttempt, Instant notBefore, int attempts, String messageId,
                      List<String> delivered, List<DeliveryReport.Rejection> rejected, List<String> deferred,
                      Map<String, String> folderDefaults, String lastReason) {
    public Waiting {
        delivered = delivered == null ? List.of() : List.copyOf(delivered);
        rejected = rejected == null ? List.of() : List.copyOf(rejected);
        deferred = deferred == null ? List.of() : List.copyOf(deferred);
        folderDefaults = folderDefaults == null ? Map.of() : Map.copyOf(folderDefaults);
    }

    /**
     * A record read from a file is usable only with the fields every decision needs, and a plain file name (the
     * file is in the outbox: whoever can drop a draft can write one, and its name makes a path).
     */
    boolean complete() {
        return firstAttempt != null && notBefore != null && attempts >= 0 && name != null && !name.isEmpty()
                && !name.contains("/") && !name.contains("\0") && !name.equals(".") && !name.equals("..");
    }
}
