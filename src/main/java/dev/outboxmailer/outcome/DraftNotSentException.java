package dev.outboxmailer.outcome;

/**
 * What a route that handed a draft to {@code direct:outbox-mailer} gets back when it was not sent:
 * {@link #kind()} is {@code invalid-draft} or {@code rejected} (never worth sending again as it is),
 * {@code transient} (the server was unreachable or deferred it: the caller may try again later) or
 * {@code held} (sending is paused for an operator problem: try again later).
 */
public class DraftNotSentException extends Exception {
    private final String kind;
    private final Integer smtpCode;

    public DraftNotSentException(String draft, String kind, String reason, Integer smtpCode, Throwable cause) {
        super(draft + " was not sent (" + kind + "): " + reason, cause);
        this.kind = kind;
        this.smtpCode = smtpCode;
    }

    public String kind() {
        return kind;
    }

    /** The server's reply code where there was one, else null. */
    public Integer smtpCode() {
        return smtpCode;
    }
}
