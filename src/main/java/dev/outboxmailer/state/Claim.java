package dev.outboxmailer.state;

import java.nio.file.Path;

/**
 * A draft taken out of the user's hands: renamed from the outbox into {@code .state/claims/<id>~<name>}
 * before anything reads it, so every later read (compose, streaming, filing) is of the claimed bytes and
 * the user's name is free for a new draft at once.
 *
 * @param id   unique within the outbox, also across restarts; it keys the draft's retry record
 * @param name the name the user dropped it under
 * @param file where the claimed draft is
 */
public record Claim(String id, String name, Path file) {
    static final char SEPARATOR = '~';

    /** The claim a file in the claims folder stands for, or null when its name is not a claim's. */
    public static Claim of(Path file) {
        String fileName = file.getFileName().toString();
        int at = fileName.indexOf(SEPARATOR);
        if (at <= 0 || at == fileName.length() - 1) {
            return null;
        }
        return new Claim(fileName.substring(0, at), fileName.substring(at + 1), file);
    }
}
