package dev.outboxmailer.message;

import java.nio.file.Path;

/**
 * Where a draft came from, carried through the pipeline as the exchange property {@link #PROPERTY}
 * (exchange properties survive the removal of every header before the mail endpoint).
 *
 * @param name the name the user knows it by (the file name)
 * @param file the draft file in the outbox
 */
public record DraftSource(String name, Path file) {
    public static final String PROPERTY = "outboxMailerDraft";

    /** The name, safe to print on one log line (control characters shown as '?'). */
    public String printableName() {
        return CONTROL.matcher(name).replaceAll("?");
    }

    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("\\p{Cntrl}");
}
