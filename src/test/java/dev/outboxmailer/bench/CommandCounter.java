package dev.outboxmailer.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain-text TCP relay for the bench between the TLS terminator (stunnel) and smtp-sink: it counts the
 * SMTP commands the client sends (by verb; message content after {@code DATA} is not counted), so the
 * commands per message are seen from the server's side.
 */
final class CommandCounter implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    private final Map<String, AtomicLong> verbs = new ConcurrentHashMap<>();
    private volatile boolean closed;

    CommandCounter(int listenPort, int targetPort) throws IOException {
        this.listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 200);
        this.targetPort = targetPort;
        Thread accept = new Thread(this::accept, "command-counter-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** Commands by verb so far (MAIL, RCPT, DATA, NOOP, RSET, EHLO, QUIT, ...). */
    Map<String, Long> counts() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        verbs.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    long total() {
        return verbs.values().stream().mapToLong(AtomicLong::get).sum();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                relay(client, server, true);
                relay(server, client, false);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("command counter: " + e);
                }
            }
        }
    }

    private void relay(Socket from, Socket to, boolean count) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            StringBuilder line = new StringBuilder();
            boolean content = false;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (count) {
                        for (int i = 0; i < n; i++) {
                            char c = (char) (buffer[i] & 0xff);
                            if (c != '\n') {
                                if (line.length() < 200) {
                                    line.append(c);
                                }
                                continue;
                            }
                            String l = line.toString().strip();
                            line.setLength(0);
                            if (content) {
                                content = !l.equals(".");
                            } else if (!l.isEmpty()) {
                                String verb = l.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
                                verbs.computeIfAbsent(verb, v -> new AtomicLong()).incrementAndGet();
                                content = verb.equals("DATA");
                            }
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // the connection ended
            }
        }, "command-counter-relay");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }
}
