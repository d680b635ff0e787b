package dev.outboxmailer.deliver.oauth;

import jakarta.mail.MessagingException;

/**
 * No usable token: the token endpoint could not be reached, timed out or failed ({@code 5xx}) — passing, the
 * drafts wait — or it refused us ({@code invalid_grant}, {@code invalid_client}, …), or the SMTP server refused
 * a fresh token: the operator's to fix, the message says how. The message never holds a token or a secret.
 */
public final class OAuth2Failure extends MessagingException {
    private final boolean operator;

    private OAuth2Failure(boolean operator, String message, Exception cause) {
        super(message, cause);
        this.operator = operator;
    }

    /** The operator must act (the message says what to do). */
    public static OAuth2Failure operator(String message) {
        return new OAuth2Failure(true, message, null);
    }

    /** Passing: try again later. */
    public static OAuth2Failure transientFailure(String message, Exception cause) {
        return new OAuth2Failure(false, message, cause);
    }

    public boolean operatorProblem() {
        return operator;
    }
}
