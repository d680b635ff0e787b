package dev.outboxmailer.compose;

import jakarta.mail.internet.SharedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A window {@code [start, end)} of a file that is already open, read by position (so any number of these
 * read the same channel at once) through a small buffer. As a {@link SharedInputStream} a MIME message parsed
 * from it keeps its body on disk and reads it again from the same open file when written. Closing it leaves
 * the channel open: its {@link OpenFile} owns it.
 */
final class ChannelInputStream extends InputStream implements SharedInputStream {

    private static final int BUFFER = 16 * 1024;

    private final FileChannel channel;
    private final long start;
    private final long end;
    private long position; // absolute, in the file
    private long mark;
    private final ByteBuffer buffer;
    private long bufferStart; // absolute position of buffer[0]

    ChannelInputStream(FileChannel channel, long start, long end) {
        this.channel = channel;
        this.start = start;
        this.end = end;
        this.position = start;
        this.mark = start;
        this.bufferStart = start;
        // no bigger than the window: a 1 KB part gets a 1 KB buffer, not 16 KB to allocate and zero
        this.buffer = ByteBuffer.allocate((int) Math.max(1, Math.min(BUFFER, end - start))).flip();
    }

    private boolean fill() throws IOException {
        if (position >= end) {
            return false;
        }
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), end - position));
        int n = 0;
        while (n == 0) {
            n = channel.read(buffer, position);
        }
        buffer.flip();
        bufferStart = position;
        return n > 0;
    }

    @Override
    public int read() throws IOException {
        if (!buffer.hasRemaining() && !fill()) {
            return -1;
        }
        position++;
        return buffer.get() & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!buffer.hasRemaining() && !fill()) {
            return -1;
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        position += n;
        return n;
    }

    @Override
    public long skip(long n) {
        long skipped = Math.max(0, Math.min(n, end - position));
        seek(position + skipped);
        return skipped;
    }

    private void seek(long to) {
        long inBuffer = to - bufferStart;
        if (inBuffer >= 0 && inBuffer <= buffer.limit()) {
            buffer.position((int) inBuffer);
        } else {
            buffer.clear().flip();
            bufferStart = to;
        }
        position = to;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, end - position);
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public synchronized void mark(int readlimit) {
        mark = position;
    }

    @Override
    public synchronized void reset() {
        seek(mark);
    }

    @Override
    public long getPosition() {
        return position - start;
    }

    @Override
    public InputStream newStream(long from, long to) {
        if (from < 0) {
            throw new IllegalArgumentException("start < 0");
        }
        long newEnd = to == -1 ? end : Math.min(end, start + to);
        return new ChannelInputStream(channel, Math.min(start + from, newEnd), newEnd);
    }

    @Override
    public void close() {
        // the channel belongs to its OpenFile
    }
}
