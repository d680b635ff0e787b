package dev.outboxmailer.outcome;

import dev.outboxmailer.message.DeliveryReport;
import java.time.OffsetDateTime;
import java.util.List;

/** {@code .sent/YYYY-MM-DD/<name>.receipt.json}: what the server accepted, and when. */
public record Receipt(String draft, String messageId, List<String> recipients,
                      List<DeliveryReport.Rejection> rejected, OffsetDateTime sentAt, int attempts) {}
