package dev.outboxmailer.compose;

import jakarta.activation.DataSource;
import jakarta.mail.util.ByteArrayDataSource;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Turns the attachments a draft lists into their bytes, name and content type. Files by {@code path}
 * are read only from inside the attachment root (SPEC §7): absolute paths, {@code ..} segments and
 * links that lead outside are refused before anything is read.
 */
final class AttachmentResolver {

    /** An attachment ready to become a MIME part. {@code cid} is null for an ordinary attachment. */
    record ResolvedAttachment(String name, String contentType, DataSource source, long size, boolean inline, String cid) {}

    private final Path attachmentRoot;
    private final long maxSizeBytes;
    private final Naming naming;

    /** @param attachmentRoot where {@code path}s resolve; null forbids them (queue intake) */
    AttachmentResolver(Path attachmentRoot, long maxSizeBytes) {
        this(attachmentRoot, maxSizeBytes, Naming.ENVELOPE);
    }

    /** @param naming how reasons name an attachment and its fields */
    AttachmentResolver(Path attachmentRoot, long maxSizeBytes, Naming naming) {
        this.attachmentRoot = attachmentRoot;
        this.maxSizeBytes = maxSizeBytes;
        this.naming = naming;
    }

    List<ResolvedAttachment> resolve(List<EnvelopeDraft.Attachment> attachments) throws InvalidDraftException {
        List<ResolvedAttachment> out = new ArrayList<>();
        if (attachments == null) {
            return out;
        }
        long total = 0;
        for (int i = 0; i < attachments.size(); i++) {
            ResolvedAttachment resolved = resolve(i, attachments.get(i));
            total += resolved.size();
            if (total > maxSizeBytes) {
                throw new InvalidDraftException(String.format(
                        "the attachments alone are %s, over the %s limit for a message (mail.max-size)",
                        SizeLimit.human(total), SizeLimit.human(maxSizeBytes)));
            }
            out.add(resolved);
        }
        return out;
    }

    private ResolvedAttachment resolve(int index, EnvelopeDraft.Attachment a) throws InvalidDraftException {
        String field = naming.attachment(index, null);
        if (a == null) {
            throw new InvalidDraftException(field + " is empty (null); give {\"path\": ...} or {\"content\": ..., \"name\": ...}");
        }
        if ((a.path() == null) == (a.content() == null)) {
            throw new InvalidDraftException(field + " needs exactly one of \"path\" (a file in the outbox folder) "
                    + "or \"content\" (base64 bytes)");
        }
        HeaderSafety.requireSingleLine(naming.attachment(index, "name"), a.name());
        HeaderSafety.requireSingleLine(naming.attachment(index, "contentType"), a.contentType());
        HeaderSafety.requireSingleLine(naming.attachment(index, "path"), a.path());

        String name = a.name();
        if (name == null && a.path() != null) {
            name = fileName(a.path());
        }
        if (name == null || name.isBlank()) {
            throw new InvalidDraftException(naming.attachment(index, "name") + " is missing; an attachment given by content needs a file name");
        }

        boolean inline = a.inline() != null ? a.inline() : a.cid() != null;
        String cid = a.cid();
        if (cid != null) {
            HeaderSafety.requireContentId(naming.attachment(index, "cid"), cid);
        } else if (inline) {
            throw new InvalidDraftException(naming.attachment(index, "cid") + " is missing; an inline attachment needs the id the html "
                    + "refers to, e.g. \"cid\": \"logo\" for <img src=\"cid:logo\">");
        }

        String type = contentType(naming.attachment(index, "contentType"), a.contentType(), name);
        if (a.path() != null) {
            Path file = fileInsideRoot(naming.attachment(index, "path"), a.path());
            return new ResolvedAttachment(name, type, new JailedFile(file, type), sizeOf(file), inline, cid);
        }
        byte[] bytes = decodeBase64(naming.attachment(index, "content"), a.content());
        return new ResolvedAttachment(name, type, new ByteArrayDataSource(bytes, type), bytes.length, inline, cid);
    }

    /** The real path of an attachment file inside the root, checked and sized but not read. */
    private Path fileInsideRoot(String field, String path) throws InvalidDraftException {
        if (attachmentRoot == null) {
            throw new InvalidDraftException(field + ": attachments by path are not allowed here; use content "
                    + "(base64) instead of " + HeaderSafety.quoted(path));
        }
        String shown = HeaderSafety.quoted(path);
        if (path.isBlank()) {
            throw new InvalidDraftException(field + " is empty; give a file inside the outbox folder, e.g. files/report.pdf");
        }
        if (path.startsWith("/") || path.startsWith("\\") || path.startsWith("~") || path.matches("^[A-Za-z]:.*")) {
            throw new InvalidDraftException(field + ": " + shown + " is an absolute path; give a path relative "
                    + "to the outbox folder, e.g. files/report.pdf");
        }
        for (String segment : path.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new InvalidDraftException(field + ": " + shown + " climbs out with \"..\"; attachments "
                        + "must stay inside the outbox folder");
            }
        }
        Path root;
        try {
            root = attachmentRoot.toRealPath();
        } catch (IOException e) {
            throw new InvalidDraftException(field + ": the outbox folder " + attachmentRoot + " cannot be read");
        }
        Path relative;
        try {
            relative = Path.of(path);
        } catch (InvalidPathException e) {
            throw new InvalidDraftException(field + ": " + shown + " is not a usable file path");
        }
        if (relative.isAbsolute()) {
            throw new InvalidDraftException(field + ": " + shown + " is an absolute path; give a path relative "
                    + "to the outbox folder, e.g. files/report.pdf");
        }
        Path candidate = root.resolve(relative).normalize();
        if (!candidate.startsWith(root)) {
            throw new InvalidDraftException(field + ": " + shown + " leads outside the outbox folder");
        }
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidDraftException(field + ": " + shown + " does not exist in the outbox folder");
        } catch (IOException e) {
            throw new InvalidDraftException(field + ": " + shown + " cannot be read");
        }
        if (!real.startsWith(root)) {
            throw new InvalidDraftException(field + ": " + shown + " is a link that leads outside the outbox "
                    + "folder; attachments must stay inside it");
        }
        if (Files.isDirectory(real)) {
            throw new InvalidDraftException(field + ": " + shown + " is a folder, not a file");
        }
        if (!Files.isRegularFile(real)) {
            throw new InvalidDraftException(field + ": " + shown + " is not a regular file");
        }
        try {
            long size = Files.size(real);
            if (size > maxSizeBytes) {
                throw new InvalidDraftException(String.format("%s: %s is %s, over the %s limit for a message (mail.max-size)",
                        field, shown, SizeLimit.human(size), SizeLimit.human(maxSizeBytes)));
            }
            // the resolved path has no links left; refuse one swapped in since
            try (InputStream probe = open(real)) {
                probe.read(new byte[0]); // readable now, without following a link swapped in since
            }
            return real;
        } catch (IOException e) {
            throw new InvalidDraftException(field + ": " + shown + " cannot be read");
        }
    }

    private static long sizeOf(Path file) throws InvalidDraftException {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new InvalidDraftException("an attachment cannot be read: " + file.getFileName());
        }
    }

    private static InputStream open(Path real) throws IOException {
        return Channels.newInputStream(Files.newByteChannel(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * An attachment file, streamed each time the message is written (to count its size, then to the
     * server), never held in memory whole; opened without following a link.
     */
    private record JailedFile(Path real, String type) implements DataSource {
        @Override
        public InputStream getInputStream() throws IOException {
            return open(real);
        }

        @Override
        public java.io.OutputStream getOutputStream() throws IOException {
            throw new IOException("attachments are read only");
        }

        @Override
        public String getContentType() {
            return type;
        }

        @Override
        public String getName() {
            return real.getFileName().toString();
        }
    }

    private static byte[] decodeBase64(String field, String content) throws InvalidDraftException {
        String compact = content.replaceAll("[ \\t\\r\\n]", "");
        try {
            return Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw new InvalidDraftException(field + " is not valid base64 ("
                    + e.getMessage().toLowerCase(Locale.ROOT) + ")");
        }
    }

    private static String contentType(String field, String given, String name) throws InvalidDraftException {
        if (given != null) {
            try {
                ContentType type = new ContentType(given.strip());
                if (type.getPrimaryType().isEmpty() || type.getSubType().isEmpty()) {
                    throw new ParseException(given);
                }
                if (type.match("multipart/*") || type.match("message/*")) {
                    throw new InvalidDraftException(field + ": " + HeaderSafety.quoted(given)
                            + " cannot be used for an attachment; give the file's own type, e.g. application/pdf");
                }
                if (type.getParameterList() != null) {
                    type.getParameterList().remove("name"); // the composer sets it from the attachment's name
                }
                type.setPrimaryType(type.getPrimaryType().toLowerCase(Locale.ROOT));
                type.setSubType(type.getSubType().toLowerCase(Locale.ROOT));
                return type.toString();
            } catch (ParseException e) {
                throw new InvalidDraftException(field + ": " + HeaderSafety.quoted(given)
                        + " is not a content type such as application/pdf");
            }
        }
        String guessed = null;
        try {
            guessed = Files.probeContentType(Path.of(name));
        } catch (IOException | InvalidPathException ignored) {
            // fall through to the name-based guess
        }
        if (guessed == null) {
            guessed = URLConnection.guessContentTypeFromName(name);
        }
        return guessed != null ? guessed : "application/octet-stream";
    }

    private static String fileName(String path) {
        String[] parts = path.split("[/\\\\]");
        return parts.length == 0 ? null : parts[parts.length - 1];
    }
}
