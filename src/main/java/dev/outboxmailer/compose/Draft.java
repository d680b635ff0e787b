package dev.outboxmailer.compose;

import jakarta.mail.util.SharedFileInputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A draft as intake hands it over: the name it was dropped under and its content — bytes in memory
 * (the queue), or a file (the outbox), which large formats read as a stream so that a big .eml or bare
 * file goes from disk to the socket without being held in memory whole.
 */
public final class Draft implements Closeable {
    private final String name;
    private final Path file;
    private final Path attachmentRoot;
    private byte[] bytes;
    private volatile DraftDefaults defaults;
    private final List<Closeable> opened = new ArrayList<>();

    /**
     * @param name           the file name (or message id for the queue); its extension chooses the format
     * @param bytes          the draft's content, exactly as dropped
     * @param attachmentRoot the folder attachment {@code path}s resolve against and must stay inside;
     *                       {@code null} where drafts may not reference files (the queue)
     */
    public Draft(String name, byte[] bytes, Path attachmentRoot) {
        this(name, null, Objects.requireNonNull(bytes, "bytes"), attachmentRoot);
    }

    private Draft(String name, Path file, byte[] bytes, Path attachmentRoot) {
        this.name = Objects.requireNonNull(name, "name");
        this.file = file;
        this.bytes = bytes;
        this.attachmentRoot = attachmentRoot;
    }

    /** A draft read from {@code file} as it is needed. {@link #close()} it when the draft is done with. */
    public static Draft ofFile(String name, Path file, Path attachmentRoot) {
        return new Draft(name, Objects.requireNonNull(file, "file"), null, attachmentRoot);
    }

    public String name() {
        return name;
    }

    /** The defaults of the folder the draft was dropped into, or null where the global settings apply. */
    public DraftDefaults defaults() {
        return defaults;
    }

    /** Gives the draft its folder's defaults (see {@link DraftDefaults}); returns this draft. */
    public Draft withDefaults(DraftDefaults folderDefaults) {
        this.defaults = folderDefaults == null || folderDefaults.isEmpty() ? null : folderDefaults;
        return this;
    }

    public Path attachmentRoot() {
        return attachmentRoot;
    }

    /** The file the draft is read from, or null for a draft in memory. */
    public Path file() {
        return file;
    }

    /** The lower-case extension without the dot, or "" when the name has none. */
    public String extension() {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    public long size() {
        try {
            return bytes != null ? bytes.length : Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /** The whole content in memory: for the formats that are text (envelopes, notes). */
    public synchronized byte[] bytes() {
        if (bytes == null) {
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the draft " + file, e);
            }
        }
        return bytes;
    }

    /** The first {@code n} bytes at most (to sniff a type without reading a large file). */
    public byte[] head(int n) {
        if (bytes != null || file == null) {
            byte[] all = bytes();
            return all.length <= n ? all : java.util.Arrays.copyOf(all, n);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /**
     * The content as a stream. For a file it is a {@link SharedFileInputStream}: a MIME message parsed
     * from it keeps its body on disk and reads it again when written.
     */
    public synchronized InputStream open() {
        if (file == null) {
            return new ByteArrayInputStream(bytes);
        }
        try {
            SharedFileInputStream in = new SharedFileInputStream(file.toFile());
            opened.add(in);
            return in;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /** Closes what {@link #open()} opened. */
    @Override
    public synchronized void close() {
        for (Closeable c : opened) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
        opened.clear();
    }
}
