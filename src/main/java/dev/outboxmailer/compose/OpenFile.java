package dev.outboxmailer.compose;

import jakarta.activation.DataSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A regular file opened once, after {@link FileJail} checked it, and read only through that open channel:
 * what is streamed to the server later is this file, whatever happens to its name or folders meanwhile.
 * Reads stop at the size it had when checked, so a file that grows after its size was checked cannot
 * pass the limit. {@link #close()} it when the draft is done with.
 */
final class OpenFile implements Closeable {

    private final FileChannel channel;
    private final long size;

    OpenFile(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    /** The size it had when it was checked. */
    long size() {
        return size;
    }

    /** The whole file as a stream; each call reads it again from the start. */
    ChannelInputStream stream() {
        return new ChannelInputStream(channel, 0, size);
    }

    /** The first {@code n} bytes at most. */
    byte[] head(int n) throws IOException {
        return read((int) Math.min(n, size));
    }

    /** All of it in memory: only for a file whose size was checked against a limit first. */
    byte[] readAll() throws IOException {
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("the file is too large to read into memory");
        }
        return read((int) size);
    }

    private byte[] read(int n) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(n);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, buffer.position()) < 0) {
                break; // shrunk since: what is there
            }
        }
        return buffer.position() == n ? buffer.array() : java.util.Arrays.copyOf(buffer.array(), buffer.position());
    }

    /** The file as a MIME part's content, streamed from this open file each time the message is written. */
    DataSource dataSource(String contentType, String name) {
        return new DataSource() {
            @Override
            public InputStream getInputStream() {
                return stream();
            }

            @Override
            public OutputStream getOutputStream() throws IOException {
                throw new IOException("attachments are read only");
            }

            @Override
            public String getContentType() {
                return contentType;
            }

            @Override
            public String getName() {
                return name;
            }
        };
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
