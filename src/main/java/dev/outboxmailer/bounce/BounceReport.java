package dev.outboxmailer.bounce;

import java.util.List;

/**
 * What a message in the bounce mailbox says, as {@link BounceReader} read it.
 *
 * @param kind        a bounce (RFC 3464 or a recognised non-standard form), an auto-reply, or anything else
 * @param form        how it was recognised: {@code rfc3464}, {@code exchange}, {@code gmail}, {@code postfix},
 *                    {@code exim}, {@code chinese}, {@code returned-mail}
 * @param findings    per recipient: what happened; for a non-standard form, every address its text names
 *                    (matching keeps only the draft's own recipients)
 * @param envelopeId  {@code Original-Envelope-Id} of an RFC 3464 report, or null
 * @param messageIds  the Message-IDs of the returned message: its returned headers first, then any quoted in the text
 * @param fromHeaders true when the first Message-ID came from returned headers (not only quoted in text)
 */
public record BounceReport(Kind kind, String form, List<Finding> findings, String envelopeId, List<String> messageIds,
                           boolean fromHeaders) {
    public enum Kind { BOUNCE, AUTO_REPLY, OTHER }

    /**
     * @param action failed or delayed
     * @param status the enhanced status code ({@code 5.1.1}), or null when the report gives none
     */
    public record Finding(String recipient, String action, String status, String diagnostic, String reportingMta) {
        /** A permanent failure: action failed and a 5.x.x status. Only these can suppress. */
        public boolean hard() {
            return "failed".equals(action) && status != null && status.startsWith("5");
        }
    }

    static BounceReport other() {
        return new BounceReport(Kind.OTHER, null, List.of(), null, List.of(), false);
    }

    static BounceReport autoReply() {
        return new BounceReport(Kind.AUTO_REPLY, null, List.of(), null, List.of(), false);
    }
}
