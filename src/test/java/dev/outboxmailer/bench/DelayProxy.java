package dev.outboxmailer.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for the bench that delays each direction by a fixed time, as a network link with that
 * one-way latency (and no bandwidth limit) would: every chunk read is stamped and written out
 * {@code delayMillis} after it arrived, so data keeps flowing while earlier chunks are still "on the
 * wire". It also counts the round trips as the server side sees them: a client write that follows data the
 * client has received since its last write is a new turn (a pipelined group of commands written back to
 * back is one turn; each command waited for is one more).
 */
final class DelayProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final long delayNanos;
    private final AtomicLong turns = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private volatile boolean closed;

    DelayProxy(int targetPort, long delayMillis) throws IOException {
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.delayNanos = delayMillis * 1_000_000L;
        Thread accept = new Thread(this::accept, "delay-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Client turns (round trips) so far, over every connection. */
    long turns() {
        return turns.get();
    }

    long connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                connections.incrementAndGet();
                Link link = new Link();
                pump(client, server, link, true);
                pump(server, client, link, false);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("delay proxy: " + e);
                }
            }
        }
    }

    /** Per connection: has the client been sent anything since it last wrote? */
    private static final class Link {
        volatile boolean clientHeardBack = true; // the first client write is a turn too
        final java.util.concurrent.atomic.AtomicInteger directionsDone = new java.util.concurrent.atomic.AtomicInteger();
    }

    private record Chunk(long due, byte[] bytes) {}

    private void pump(Socket from, Socket to, Link link, boolean clientToServer) {
        LinkedBlockingQueue<Chunk> wire = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream(); // not closed here: that would close the socket
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (clientToServer && link.clientHeardBack) {
                        link.clientHeardBack = false;
                        turns.incrementAndGet();
                    }
                    wire.put(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            wire.add(new Chunk(System.nanoTime() + delayNanos, null));
        }, "delay-proxy-read");
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk c = wire.take();
                    long wait = c.due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    }
                    if (c.bytes == null) {
                        to.shutdownOutput();
                        if (link.directionsDone.incrementAndGet() < 2) {
                            return; // the other direction may still be talking (QUIT's reply)
                        }
                        break;
                    }
                    out.write(c.bytes);
                    out.flush();
                    if (!clientToServer) {
                        link.clientHeardBack = true;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "delay-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }
}
