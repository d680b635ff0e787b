package dev.outboxmailer.compose;

/**
 * The draft itself is wrong: sending it again would fail again. The message is the reason a person
 * reads in {@code .failed/<name>.error.json}, so it names the field and the bad value.
 */
public class InvalidDraftException extends Exception {
    public InvalidDraftException(String reason) {
        super(reason);
    }

    public InvalidDraftException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
