package dev.outboxmailer.outcome;

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
                      OffsetDateTime sentAt, int attempts) {}
