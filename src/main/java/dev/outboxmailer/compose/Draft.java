package dev.outboxmailer.compose;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A draft as intake hands it over: the name it was dropped under and its bytes.
 *
 * @param name           the file name (or message id for the queue); its extension chooses the format
 * @param bytes          the draft's content, exactly as dropped
 * @param attachmentRoot the folder attachment {@code path}s resolve against and must stay inside;
 *                       {@code null} where drafts may not reference files (the queue)
 */
public record Draft(String name, byte[] bytes, Path attachmentRoot) {
    public Draft {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bytes, "bytes");
    }

    /** The lower-case extension without the dot, or "" when the name has none. */
    public String extension() {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    }
}
