package dev.outboxmailer.outcome;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;

/**
 * {@code .failed/<name>.error.json}: why the draft was not sent.
 *
 * @param kind     {@code invalid-draft}, {@code rejected} or {@code expired}
 * @param reason   a sentence a person understands
 * @param smtpCode the server's reply code, where there was one
 * @param attempts how many times it was handed to the server (0 for a draft that could not be composed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorReport(String draft, String kind, String reason, Integer smtpCode, int attempts,
                          OffsetDateTime failedAt) {}
