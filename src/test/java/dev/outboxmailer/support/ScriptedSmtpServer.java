package dev.outboxmailer.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A small SMTP server on loopback whose answers a test scripts, to inject the faults GreenMail cannot:
 * a reply per recipient, a queue of replies to DATA (e.g. 451 then 250), a dropped connection in the
 * middle of DATA, a server that never says a word, and a password that can be changed while it runs.
 * What it accepts is kept, as the raw message text.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** What happens when the client sends the message text (a fault happens once). */
    public enum DataFault { NONE, DISCONNECT_MID_DATA }

    private final ServerSocket socket;
    private final List<String> accepted = new CopyOnWriteArrayList<>();
    private final List<Long> acceptedAtNanos = new CopyOnWriteArrayList<>();
    private final List<List<String>> acceptedFor = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Function<String, String> recipientReply = rcpt -> "250 OK";
    private final Queue<String> dataReplies = new ConcurrentLinkedQueue<>();
    private volatile String mailReply = "250 OK";
    private volatile String standingDataReply;
    private volatile DataFault dataFault = DataFault.NONE;
    private volatile boolean silent;
    private volatile String user;
    private volatile String password;
    private volatile int connections;
    private volatile boolean dsn;
    private volatile boolean pipelining = true;
    private volatile boolean holdReplies;
    private volatile boolean dataWithoutRecipients;
    private volatile boolean holdEndOfData;
    private volatile long goAheadDelayMs;
    private final java.util.concurrent.atomic.AtomicInteger chained = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger groups = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger waitedFor = new java.util.concurrent.atomic.AtomicInteger();
    private final List<String> commands = new CopyOnWriteArrayList<>();

    private ScriptedSmtpServer(int port) throws IOException {
        socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "scripted-smtp-" + socket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static ScriptedSmtpServer start() throws IOException {
        return new ScriptedSmtpServer(0);
    }

    /** Starts on a given port (a server that comes up later on the port the mailer was told). */
    public static ScriptedSmtpServer startOn(int port) throws IOException {
        return new ScriptedSmtpServer(port);
    }

    /** A port nothing listens on now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** The reply line to RCPT TO for each recipient address, e.g. {@code "550 5.1.1 no such user"}. */
    public ScriptedSmtpServer recipientReply(Function<String, String> reply) {
        this.recipientReply = reply;
        return this;
    }

    /** Replies to the next messages' end of DATA, in order; after them, {@code 250 OK}. */
    public ScriptedSmtpServer dataReplies(String... replies) {
        dataReplies.addAll(List.of(replies));
        return this;
    }

    /** The reply to every MAIL FROM from now on (e.g. a quota reply; {@code "250 OK"} to take mail again). */
    public ScriptedSmtpServer mailReply(String reply) {
        this.mailReply = reply;
        return this;
    }

    /** The reply to every end of DATA from now on, once the queued {@link #dataReplies} are used; null for 250. */
    public ScriptedSmtpServer standingDataReply(String reply) {
        this.standingDataReply = reply;
        return this;
    }

    public ScriptedSmtpServer dataFault(DataFault fault) {
        this.dataFault = fault;
        return this;
    }

    /** Accepts connections but never answers. */
    public ScriptedSmtpServer silent(boolean silent) {
        this.silent = silent;
        return this;
    }

    /** Requires AUTH with this login (PLAIN or LOGIN). */
    public ScriptedSmtpServer login(String user, String password) {
        this.user = user;
        this.password = password;
        return this;
    }

    /** Advertises DSN (RFC 3461) in its EHLO reply. */
    public ScriptedSmtpServer offerDsn(boolean offer) {
        this.dsn = offer;
        return this;
    }

    /** Advertises PIPELINING (RFC 2920) in its EHLO reply; on unless turned off. */
    public ScriptedSmtpServer offerPipelining(boolean offer) {
        this.pipelining = offer;
        return this;
    }

    /**
     * Holds its replies to MAIL FROM and RCPT TO until DATA (or another command) arrives, or until the client
     * has been quiet for 300 ms: a client that pipelines gets them all at once ({@link #pipelinedGroups()}), one
     * that waits for each reply gets it after the pause ({@link #repliesWaitedFor()}).
     */
    public ScriptedSmtpServer holdReplies(boolean hold) {
        this.holdReplies = hold;
        return this;
    }

    /** Answers DATA with 354 even when no recipient was accepted (RFC 2920 asks for 554; some servers do not). */
    public ScriptedSmtpServer dataWithoutRecipients(boolean accept) {
        this.dataWithoutRecipients = accept;
        return this;
    }

    /** Held replies released because the next command came without waiting for them (pipelined). */
    /**
     * Holds the reply to each message's end of data too, as {@link #holdReplies(boolean)} does: a client that sends
     * the next message's MAIL FROM behind it, without waiting, is counted in {@link #chainedMessages()}.
     */
    public ScriptedSmtpServer holdEndOfData(boolean hold) {
        this.holdEndOfData = hold;
        return this;
    }

    /** Waits this long before each {@code 354} to DATA: a slow server, while more messages queue up at the client. */
    public ScriptedSmtpServer goAheadDelay(java.time.Duration delay) {
        this.goAheadDelayMs = delay.toMillis();
        return this;
    }

    /** Messages whose MAIL FROM came before the reply to the end of the message before them on the connection. */
    public int chainedMessages() {
        return chained.get();
    }

    public int pipelinedGroups() {
        return groups.get();
    }

    /** Held replies released because the client stopped and waited for them (not pipelined). */
    public int repliesWaitedFor() {
        return waitedFor.get();
    }

    /** The MAIL FROM and RCPT TO command lines received so far, as the client sent them (with their parameters). */
    public List<String> envelopeCommands() {
        return List.copyOf(commands);
    }

    /** Messages accepted so far (raw text, dot-unstuffed). */
    public List<String> accepted() {
        return Collections.unmodifiableList(new ArrayList<>(accepted));
    }

    /** When each message was accepted ({@link System#nanoTime()}), in order. */
    /** For each accepted message, in order, the recipients (RCPT TO) the server took it for. */
    public List<List<String>> acceptedFor() {
        return List.copyOf(acceptedFor);
    }

    public List<Long> acceptedAtNanos() {
        return List.copyOf(acceptedAtNanos);
    }

    public int connections() {
        return connections;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : open) {
            s.close();
        }
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections++;
                open.add(client);
                Thread t = new Thread(() -> serve(client), "scripted-smtp-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            if (silent) {
                client.getInputStream().read(); // wait until the client gives up
                return;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = client.getOutputStream();
            say(out, "220 scripted ESMTP");
            boolean authenticated = user == null;
            boolean mailTaken = false; // the last MAIL FROM was taken
            List<String> rcpts = new ArrayList<>();
            String line;
            StringBuilder held = new StringBuilder();
            boolean[] endHeld = {false}; // the reply to the last end of data is held, unsent
            while ((line = readLine(in, client, out, held)) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                if (endHeld[0] && verb.equals("MAIL")) {
                    chained.incrementAndGet(); // sent behind the end of the last message, before its reply
                }
                endHeld[0] = false;
                if (held.length() > 0 && !verb.equals("MAIL") && !verb.equals("RCPT")) {
                    groups.incrementAndGet(); // the client sent this without waiting for the held replies
                    flushHeld(out, held);
                }
                boolean hold = holdReplies && (verb.equals("MAIL") || verb.equals("RCPT"));
                java.util.function.Consumer<String> reply = r -> {
                    if (hold) {
                        held.append(r).append("\r\n");
                    } else {
                        sayQuietly(out, r);
                    }
                };
                switch (verb) {
                    case "EHLO" -> say(out, "250-scripted\r\n250-8BITMIME\r\n" + (user != null ? "250-AUTH PLAIN LOGIN\r\n" : "")
                            + (dsn ? "250-DSN\r\n" : "") + (pipelining ? "250-PIPELINING\r\n" : "") + "250 OK");
                    case "HELO" -> say(out, "250 scripted");
                    case "AUTH" -> {
                        authenticated = authenticate(line, in, out);
                        say(out, authenticated ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
                    }
                    case "MAIL" -> {
                        commands.add(line);
                        rcpts.clear();
                        mailTaken = authenticated && mailReply.startsWith("2");
                        reply.accept(authenticated ? mailReply : "530 5.7.0 Authentication required");
                    }
                    case "RCPT" -> {
                        commands.add(line);
                        String r = mailTaken ? recipientReply.apply(address(line)) : "503 5.5.1 MAIL first";
                        if (r.startsWith("2")) {
                            rcpts.add(address(line));
                        }
                        reply.accept(r);
                    }
                    case "DATA" -> {
                        if (rcpts.isEmpty() && !dataWithoutRecipients) {
                            say(out, mailTaken ? "554 5.5.1 no valid recipients" : "503 5.5.1 MAIL first");
                            continue;
                        }
                        if (goAheadDelayMs > 0) {
                            try {
                                Thread.sleep(goAheadDelayMs);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                        say(out, "354 go ahead");
                        if (!readData(in, client, out, rcpts, held, endHeld)) {
                            return;
                        }
                    }
                    case "RSET" -> {
                        rcpts.clear();
                        mailTaken = false;
                        say(out, "250 OK");
                    }
                    case "NOOP" -> say(out, "250 OK");
                    case "QUIT" -> {
                        say(out, "221 bye");
                        return;
                    }
                    default -> say(out, "502 not implemented");
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // the client went away
        } finally {
            open.remove(client);
        }
    }

    /**
     * The next command line; while replies are held, a client quiet for 300 ms is waiting for them: they are
     * sent then ({@link #repliesWaitedFor()}).
     */
    private String readLine(BufferedReader in, Socket client, OutputStream out, StringBuilder held) throws IOException {
        if (held.length() == 0) {
            return in.readLine();
        }
        long deadline = System.nanoTime() + 300_000_000L;
        while (!in.ready()) {
            if (System.nanoTime() > deadline) {
                waitedFor.incrementAndGet();
                flushHeld(out, held);
                return in.readLine();
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return in.readLine();
    }

    private static void flushHeld(OutputStream out, StringBuilder held) throws IOException {
        out.write(held.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        held.setLength(0);
    }

    private static void sayQuietly(OutputStream out, String reply) {
        try {
            say(out, reply);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private boolean readData(BufferedReader in, Socket client, OutputStream out, List<String> rcpts, StringBuilder held,
                             boolean[] endHeld) throws IOException {
        StringBuilder message = new StringBuilder();
        String line;
        int lines = 0;
        boolean ended = false;
        while ((line = in.readLine()) != null) {
            if (line.equals(".")) {
                ended = true;
                break;
            }
            if (dataFault == DataFault.DISCONNECT_MID_DATA && ++lines == 3) {
                dataFault = DataFault.NONE; // once
                client.close();
                return false;
            }
            message.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        if (!ended) {
            return false; // the client went away mid-message (a killed mailer): nothing was accepted
        }
        String reply = dataReplies.poll();
        if (reply == null) {
            reply = standingDataReply != null ? standingDataReply : "250 2.0.0 queued";
        }
        if (reply.startsWith("2")) {
            acceptedAtNanos.add(System.nanoTime());
            acceptedFor.add(List.copyOf(rcpts));
            accepted.add(message.toString());
        }
        if (holdEndOfData && !reply.startsWith("421")) {
            held.append(reply).append("\r\n");
            endHeld[0] = true;
            return true;
        }
        say(out, reply);
        if (reply.startsWith("421")) {
            client.close();
            return false;
        }
        return true;
    }

    private boolean authenticate(String line, BufferedReader in, OutputStream out) throws IOException {
        String[] parts = line.split(" ");
        String mechanism = parts.length > 1 ? parts[1].toUpperCase() : "";
        if (mechanism.equals("PLAIN")) {
            String response = parts.length > 2 ? parts[2] : challenge(in, out, "");
            String[] fields = new String(Base64.getDecoder().decode(response), StandardCharsets.UTF_8).split("\0");
            return fields.length == 3 && fields[1].equals(user) && fields[2].equals(password);
        }
        if (mechanism.equals("LOGIN")) {
            String u = parts.length > 2 ? decode(parts[2]) : decode(challenge(in, out, "VXNlcm5hbWU6"));
            String p = decode(challenge(in, out, "UGFzc3dvcmQ6"));
            return u.equals(user) && p.equals(password);
        }
        return false;
    }

    private static String challenge(BufferedReader in, OutputStream out, String text) throws IOException {
        say(out, "334 " + text);
        return in.readLine().trim();
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    private static String address(String line) {
        int lt = line.indexOf('<');
        int gt = line.indexOf('>');
        return lt >= 0 && gt > lt ? line.substring(lt + 1, gt) : line.substring(line.indexOf(':') + 1).trim();
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
