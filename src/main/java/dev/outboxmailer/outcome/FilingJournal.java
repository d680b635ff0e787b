package dev.outboxmailer.outcome;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A write-ahead log of filings ({@code outbox/.state/filing.journal}): a line {@code B <id> <move>} is
 * synced to disk before a draft is filed, a line {@code D <id>} is appended once it is. What has a B and
 * no D when the process starts was interrupted and is finished again.
 *
 * <p>Group commit: drafts filed in parallel share one fsync. The journal is emptied when no filing is
 * open and it has grown past {@link #TRUNCATE_ABOVE}, so it stays small. A filing that failed (a full disk,
 * a read-only folder) stays open until it is finished, and the journal keeps it until then.
 */
final class FilingJournal implements AutoCloseable {
    /** The journal is emptied, when no filing is open, once it has grown past this. */
    static final long TRUNCATE_ABOVE = 64 << 10;
    private final Path file;
    private final ObjectMapper json;
    private final FileChannel channel;
    private final Object appendLock = new Object();
    private final Object syncLock = new Object();
    private long nextId;
    private volatile long written;
    private volatile long synced;
    private int open;

    FilingJournal(Path file) throws IOException {
        this.file = file;
        this.json = new ObjectMapper().registerModule(plainPaths()); // compact: one record is one line
        Files.createDirectories(file.getParent());
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        this.written = channel.size();
        this.synced = written;
        channel.position(written);
    }

    /**
     * Paths as the plain absolute names they are. Jackson's own form is a {@code file:} URI, which costs a
     * {@code stat} for each path written ({@code Path.toUri} asks whether it is a directory) and escaping; the
     * records of earlier versions, URIs, are still read. An absolute name starts with {@code /}, never with
     * {@code file:}, so the two cannot be confused.
     */
    private static SimpleModule plainPaths() {
        SimpleModule module = new SimpleModule("plain-paths");
        module.addSerializer(Path.class, new StdSerializer<>(Path.class) {
            @Override
            public void serialize(Path path, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeString(path.toAbsolutePath().toString());
            }
        });
        module.addDeserializer(Path.class, new StdDeserializer<>(Path.class) {
            @Override
            public Path deserialize(JsonParser in, DeserializationContext context) throws IOException {
                String text = in.getValueAsString();
                if (text == null) {
                    return (Path) context.handleUnexpectedToken(Path.class, in);
                }
                try {
                    return text.startsWith("file:") ? Path.of(URI.create(text)) : Path.of(text);
                } catch (IllegalArgumentException | FileSystemNotFoundException e) {
                    throw JsonMappingException.from(in, "not a path: " + text, e);
                }
            }
        });
        return module;
    }

    /** The filings begun and never finished, by the journal as it was left. */
    List<OutcomeFolders.Move> unfinished() throws IOException {
        Map<String, OutcomeFolders.Move> begun = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] parts = line.split(" ", 3);
            if (parts.length == 3 && parts[0].equals("B")) {
                try {
                    begun.put(parts[1], json.readValue(parts[2], OutcomeFolders.Move.class));
                } catch (com.fasterxml.jackson.core.JsonProcessingException torn) {
                    // the crash hit while this record was written: it was never synced, its filing never began
                }
            } else if (parts.length >= 2 && parts[0].equals("D")) {
                begun.remove(parts[1]);
            }
        }
        return List.copyOf(begun.values());
    }

    /** Records that a filing begins, and returns once that record is on disk. */
    long begin(OutcomeFolders.Move move) throws IOException {
        long id;
        long end;
        synchronized (appendLock) {
            id = ++nextId;
            end = append("B " + id + " " + json.writeValueAsString(move) + "\n");
            open++;
        }
        syncThrough(end);
        return id;
    }

    /** Records that a filing is complete (no sync needed: replaying a finished filing does nothing). */
    void done(long id) throws IOException {
        synchronized (appendLock) {
            append("D " + id + "\n");
            if (--open == 0 && written > TRUNCATE_ABOVE) {
                truncate();
            }
        }
    }

    /**
     * Starts the journal afresh at start, once what it held has been finished: emptied, with only the filings
     * still open recorded again (synced); returns their new ids, in order.
     */
    List<Long> restart(List<OutcomeFolders.Move> stillOpen) throws IOException {
        List<Long> ids = new java.util.ArrayList<>();
        synchronized (appendLock) {
            truncate();
            open = 0;
        }
        for (OutcomeFolders.Move move : stillOpen) {
            ids.add(begin(move));
        }
        return ids;
    }

    private long append(String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            written += channel.write(bytes);
        }
        return written;
    }

    private void truncate() throws IOException {
        synchronized (syncLock) {
            channel.truncate(0);
            channel.position(0);
            written = 0;
            synced = 0;
        }
    }

    private void syncThrough(long end) throws IOException {
        if (synced >= end) {
            return;
        }
        synchronized (syncLock) { // never takes appendLock: truncate() takes appendLock, then syncLock
            if (synced >= end) {
                return; // another thread's fsync covered this record
            }
            long target = written; // all appended so far, ours included
            channel.force(false);
            synced = target;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
