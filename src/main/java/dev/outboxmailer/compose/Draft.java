package dev.outboxmailer.compose;

import jakarta.activation.DataSource;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A draft as intake hands it over: the name it was dropped under and its content — bytes in memory
 * (the queue), or a file (the outbox), which large formats read as a stream so that a big .eml or bare
 * file goes from disk to the socket without being held in memory whole.
 *
 * <p>A file is opened once, when it is first needed ({@link #checked()}), through {@link FileJail}: never
 * through a symbolic link, only if it is a regular file with one link (a named pipe, device or socket is
 * refused without being opened, so nothing blocks), and everything read from it later — its size, its text,
 * the stream a large .eml is sent from — comes from that one open file.
 */
public final class Draft implements Closeable {
    private final String name;
    private final Path file;
    private final Path attachmentRoot;
    private byte[] bytes;
    private volatile DraftDefaults defaults;
    private final List<Closeable> opened = new ArrayList<>();
    private OpenFile openFile;

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

    /**
     * Opens the draft's file (once) and checks it is a regular file that can be sent; a draft in memory is
     * always fine. Returns this draft.
     *
     * @throws InvalidDraftException the file is a link, not a regular file (FIFO, device, socket, folder),
     *                               has other hard links, or is gone; it was not read
     */
    public synchronized Draft checked() throws InvalidDraftException {
        if (file != null && openFile == null) {
            try {
                openFile = FileJail.openAlone(file);
                opened.add(openFile);
            } catch (FileJail.Refused e) {
                throw new InvalidDraftException("the draft " + e.getMessage());
            } catch (java.nio.file.NoSuchFileException e) {
                throw new InvalidDraftException("the draft is gone: it was removed before it could be read");
            } catch (IOException e) {
                throw new InvalidDraftException("the draft cannot be read: " + e.getMessage());
            }
        }
        return this;
    }

    private OpenFile openedFile() throws IOException {
        try {
            return checked().openFile;
        } catch (InvalidDraftException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The size in bytes (of a file: as it was when opened). */
    public long size() {
        if (bytes != null) {
            return bytes.length;
        }
        try {
            return openedFile().size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /** The whole content in memory: for the formats that are text (envelopes, notes), after their size was checked. */
    public synchronized byte[] bytes() {
        if (bytes == null) {
            try {
                bytes = openedFile().readAll();
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
        try {
            return openedFile().head(n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /**
     * The content as a stream. For a file it is a {@link jakarta.mail.internet.SharedInputStream} over the
     * file opened once: a MIME message parsed from it keeps its body on disk and reads it again when written.
     */
    public synchronized InputStream open() {
        if (file == null) {
            return new ByteArrayInputStream(bytes);
        }
        try {
            return openedFile().stream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /** The content as a MIME part's data, streamed from the open file where there is one. */
    DataSource dataSource(String contentType) {
        if (file == null) {
            return new ByteArrayDataSource(bytes, contentType);
        }
        try {
            return openedFile().dataSource(contentType, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the draft " + file, e);
        }
    }

    /** Keeps {@code c} (an attachment opened for this draft) open until the draft is closed. */
    synchronized void keepOpen(Closeable c) {
        opened.add(c);
    }

    /** Closes the draft's file and the attachments opened for it. */
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
        openFile = null;
    }
}
