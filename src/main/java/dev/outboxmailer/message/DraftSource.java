package dev.outboxmailer.message;

import java.nio.file.Path;

/**
 * Where a draft came from, carried through the pipeline as the exchange property {@link #PROPERTY}
 * (exchange properties survive the removal of every header before the mail endpoint).
 *
 * @param name   the name the user knows it by (the file name)
 * @param file   the claimed draft file, or null for a draft that came in memory (the queue, {@code direct:})
 * @param claim  the claim's id, or null for a draft that came in memory
 * @param outbox the outbox folder it was dropped into, or null
 * @param folderDefaults the watched folder's {@code to}, {@code subject}, {@code from} (route template
 *               parameters) where it has any; kept with a waiting draft for its retry
 */
public record DraftSource(String name, Path file, String claim, Path outbox, java.util.Map<String, String> folderDefaults) {
    public DraftSource {
        folderDefaults = folderDefaults == null ? java.util.Map.of() : java.util.Map.copyOf(folderDefaults);
    }

    public static final String PROPERTY = "outboxMailerDraft";

    /** A draft that came in memory: nothing on disk to claim or file. */
    public static DraftSource inMemory(String name) {
        return new DraftSource(name, null, null, null, null);
    }

    /** The name, safe to print on one log line (control characters shown as '?'). */
    public String printableName() {
        return CONTROL.matcher(name).replaceAll("?");
    }

    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("\\p{Cntrl}");
}
