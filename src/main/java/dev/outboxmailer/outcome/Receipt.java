package dev.outboxmailer.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.outboxmailer.message.DeliveryReport;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * {@code .sent/YYYY-MM-DD/<name>.receipt.json}: what the server accepted, and when. Final only when every
 * recipient is in one list: {@code recipients} (accepted), {@code rejected} ({@code 5xx}) or {@code expired}
 * (deferred with {@code 4xx} until {@code retry.give-up-after}).
 */
public record Receipt(String draft, String messageId, List<String> recipients,
                      List<DeliveryReport.Rejection> rejected, List<DeliveryReport.Rejection> expired,
                      OffsetDateTime sentAt, int attempts,
                      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> suppressed) {
    /** {@code suppressed}: recipients left out because they are on the suppression list (SPEC §11). */
    public Receipt(String draft, String messageId, List<String> recipients, List<DeliveryReport.Rejection> rejected,
                   List<DeliveryReport.Rejection> expired, OffsetDateTime sentAt, int attempts) {
        this(draft, messageId, recipients, rejected, expired, sentAt, attempts, List.of());
    }
}
