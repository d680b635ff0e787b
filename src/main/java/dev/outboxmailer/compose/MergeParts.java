package dev.outboxmailer.compose;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the mail merge (SPEC §13, package {@code merge}) takes from the compose stage, so a merge is read and
 * jailed by the same code as any envelope: the template checked as an envelope (§4.2: known fields, right
 * types), and files — the rows file, each row's attachments — opened inside the outbox exactly like an
 * attachment given by {@code path} ({@link FileJail}).
 */
public final class MergeParts {
    private MergeParts() {}

    /** Checks that {@code json} is an envelope draft as §4.2 describes (its text may still hold templates). */
    public static void checkEnvelope(String json) throws InvalidDraftException {
        EnvelopeReader.JSON.read(json);
    }

    /** A file opened inside the outbox: its stream, size, and the resources to close when done. */
    public record Opened(String name, String contentType, long size, InputStream stream, List<Closeable> resources)
            implements Closeable {
        @Override
        public void close() {
            for (Closeable c : resources) {
                try {
                    c.close();
                } catch (IOException e) {
                    // nothing left to do with it
                }
            }
        }
    }

    /**
     * Opens {@code path} (relative to {@code outbox}) the way an attachment {@code path} is opened: never out of
     * the outbox, never through a link that leads out, only a regular file. Reasons name the attachment as
     * {@code "attachments[index].path"}; {@code maxBytes} limits its size.
     *
     * @param name, contentType, inline, cid as the attachment gives them (null where it does not)
     */
    public static Opened open(Path outbox, long maxBytes, int index, String path, String name, String contentType)
            throws InvalidDraftException {
        List<Closeable> resources = new ArrayList<>();
        List<AttachmentResolver.ResolvedAttachment> resolved;
        try {
            resolved = new AttachmentResolver(outbox, maxBytes, Naming.ENVELOPE, resources::add)
                    .resolve(List.of(new EnvelopeDraft.Attachment(path, null, name, contentType, null, null)));
        } catch (InvalidDraftException e) {
            new Opened(null, null, 0, null, resources).close();
            throw new InvalidDraftException(e.getMessage().replace("\"attachments[0]", "\"attachments[" + index + "]"));
        }
        AttachmentResolver.ResolvedAttachment a = resolved.get(0);
        try {
            return new Opened(a.name(), a.contentType(), a.size(), a.source().getInputStream(), resources);
        } catch (IOException e) {
            new Opened(null, null, 0, null, resources).close();
            throw new InvalidDraftException(Naming.ENVELOPE.attachment(index, "path") + ": " + HeaderSafety.quoted(path)
                    + " cannot be read: " + e.getMessage());
        }
    }
}
