package dev.outboxmailer.compose;

import jakarta.activation.DataSource;
import jakarta.mail.util.ByteArrayDataSource;

import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.ParseException;
import java.io.Closeable;
import java.io.IOException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Turns the attachments a draft lists into their bytes, name and content type. Files by {@code path}
 * are read only from inside the attachment root (SPEC §7): absolute paths, {@code ..} segments and
 * links that lead outside are refused before anything is read. A file is opened once, here, and sent
 * from that open file (SPEC §9): a link swapped in after the check, a hard link, a named pipe, a device
 * or a socket is never read.
 */
final class AttachmentResolver {

    /** An attachment ready to become a MIME part. {@code cid} is null for an ordinary attachment. */
    record ResolvedAttachment(String name, String contentType, DataSource source, long size, boolean inline, String cid) {}

    private final Path attachmentRoot;
    private final long maxSizeBytes;
    private final Naming naming;
    private final Consumer<Closeable> keepOpen;

    /**
     * @param attachmentRoot where {@code path}s resolve; null forbids them (queue intake)
     * @param naming         how reasons name an attachment and its fields
     * @param keepOpen       takes each file opened, to close it once the message is sent (or not)
     */
    AttachmentResolver(Path attachmentRoot, long maxSizeBytes, Naming naming, Consumer<Closeable> keepOpen) {
        this.attachmentRoot = attachmentRoot;
        this.maxSizeBytes = maxSizeBytes;
        this.naming = naming;
        this.keepOpen = keepOpen;
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
            OpenFile file = fileInsideRoot(naming.attachment(index, "path"), a.path());
            return new ResolvedAttachment(name, type, file.dataSource(type, name), file.size(), inline, cid);
        }
        byte[] bytes = decodeBase64(naming.attachment(index, "content"), a.content());
        return new ResolvedAttachment(name, type, new ByteArrayDataSource(bytes, type), bytes.length, inline, cid);
    }

    /**
     * The attachment file inside the root, opened once and proved to be the regular file that was checked
     * ({@link FileJail}); what is sent later is read from this open file, not from its name again.
     */
    private OpenFile fileInsideRoot(String field, String path) throws InvalidDraftException {
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
        if (!candidate.startsWith(root) || candidate.equals(root)) {
            throw new InvalidDraftException(field + ": " + shown + " leads outside the outbox folder");
        }
        Path real;
        try {
            // links that stay inside are followed here, by name; the file is then opened along the real
            // path without following any link, so one swapped in since is never passed through
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new InvalidDraftException(field + ": " + shown + " does not exist in the outbox folder");
        } catch (IOException e) {
            throw new InvalidDraftException(field + ": " + shown + " cannot be read");
        }
        if (!real.startsWith(root) || real.equals(root)) {
            throw new InvalidDraftException(field + ": " + shown + " is a link that leads outside the outbox "
                    + "folder; attachments must stay inside it");
        }
        OpenFile file;
        try {
            file = FileJail.openInside(root, root.relativize(real));
        } catch (FileJail.Refused e) {
            throw new InvalidDraftException(field + ": " + shown + " " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new InvalidDraftException(field + ": " + shown + " does not exist in the outbox folder");
        } catch (IOException e) {
            throw new InvalidDraftException(field + ": " + shown + " cannot be read");
        }
        keepOpen.accept(file);
        if (file.size() > maxSizeBytes) {
            throw new InvalidDraftException(String.format("%s: %s is %s, over the %s limit for a message (mail.max-size)",
                    field, shown, SizeLimit.human(file.size()), SizeLimit.human(maxSizeBytes)));
        }
        return file;
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
