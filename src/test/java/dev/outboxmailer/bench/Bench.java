package dev.outboxmailer.bench;

import dev.outboxmailer.OutboxMailer;
import jakarta.activation.DataHandler;
import jakarta.activation.FileDataSource;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;

/**
 * The throughput and latency benchmark of bench/README.md, all in one run so baselines and outbox-mailer
 * meet the same machine state. Run it through {@code bench/run}, which starts the SMTPS server it talks
 * to (Postfix's smtp-sink behind stunnel) and passes its port and certificate.
 *
 * <pre>Bench &lt;smtps-port&gt; &lt;cert.pem&gt; [repetitions]</pre>
 */
public final class Bench {
    static int port;
    static Path cert;
    static Path work;

    enum Payload {
        // 1 KB: 5,000 to warm up and 20,000 timed, for (2) and (3) alike: after 500 or 1,000 the JIT was still
        // compiling (C2 took 39 % of the machine during a cold loop), and a 2,000-message run measured that
        SMALL("1 KB", 1024, 60, Integer.getInteger("bench.small-warm-up", 5000), Integer.getInteger("bench.small", 20000)),
        LARGE("1 MB", 1024 * 1024, 12, 20, 40);

        final String label;
        final int bytes;
        final int baselineCount;
        final int warmUp;
        final int count;

        Payload(String label, int bytes, int baselineCount, int warmUp, int count) {
            this.label = label;
            this.bytes = bytes;
            this.baselineCount = baselineCount;
            this.warmUp = warmUp;
            this.count = count;
        }
    }

    public static void main(String[] args) throws Exception {
        port = Integer.parseInt(args[0]);
        cert = Path.of(args[1]).toAbsolutePath();
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        work = Files.createTempDirectory("outbox-mailer-bench");
        try {
            run(reps);
        } finally {
            Scratch.remove(work);
        }
    }

    private static void run(int reps) throws Exception {
        trustCertificateJvmWide();

        if (Boolean.getBoolean("bench.ready")) { // readiness of the packaged jar only (-Dbench.jar= another build)
            readiness();
            return;
        }
        if (Boolean.getBoolean("bench.extras")) { // latency, readiness, the 100 MB attachment only
            latencyAndReadiness();
            return;
        }
        if (Boolean.getBoolean("bench.latency")) { // the 20 ms round-trip scenario only
            roundTrips();
            return;
        }
        if (Boolean.getBoolean("bench.profile")) { // just outbox-mailer, for a profiler
            for (int i = 0; i < 2; i++) {
                double perSecond = outboxMailer(Payload.SMALL);
                System.out.printf(Locale.ROOT, "outbox-mailer 1 KB: %.1f/s, CPU of this JVM per draft %.0f µs, machine %s%n",
                        perSecond, lastCpuMicrosPerMessage, lastMachine);
            }
            return;
        }
        if (Boolean.getBoolean("bench.quick")) { // 1 KB: (2) and (3) only, alternating, for before/after comparisons
            warmUpSmall();
            double[] loop = new double[reps];
            double[] mailer = new double[reps];
            for (int i = 0; i < reps; i++) {
                loop[i] = angusLoop(Payload.SMALL);
                double loopCpu = lastCpuMicrosPerMessage;
                String loopMachine = lastMachine;
                mailer[i] = outboxMailer(Payload.SMALL);
                System.out.printf(Locale.ROOT, "run %d: (2) %.1f/s (3) %.1f/s (3)/(2) %.2f× (first→last receipt %.1f/s, %.2f×);"
                        + " CPU of this JVM per message: (2) %.0f µs (3) %.0f µs; machine: (2) %s, (3) %s%n", i + 1, loop[i],
                        mailer[i], mailer[i] / loop[i], lastSteadyPerSecond, lastSteadyPerSecond / loop[i], loopCpu,
                        lastCpuMicrosPerMessage, loopMachine, lastMachine);
            }
            double[] ratio = new double[reps];
            for (int i = 0; i < reps; i++) {
                ratio[i] = mailer[i] / loop[i];
            }
            Arrays.sort(loop);
            Arrays.sort(mailer);
            Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "1 KB medians of %d: (2) %.1f/s (3) %.1f/s; median of the runs' (3)/(2) %.2f×%n", reps,
                    loop[reps / 2], mailer[reps / 2], ratio[reps / 2]);
            return;
        }
        List<String> rows = new ArrayList<>();
        for (Payload p : Payload.values()) {
            if (p == Payload.SMALL) {
                warmUpSmall();
            }
            // one repetition of each in turn, so that a slow minute of the machine falls on all four alike; the
            // ratios are the medians of each repetition's own ratio
            double[][] r = new double[4][reps];
            double[][] ratio = new double[3][reps];
            for (int i = 0; i < reps; i++) {
                r[0][i] = camelRoute(p, false);
                r[1][i] = camelRoute(p, true);
                r[2][i] = angusLoop(p);
                String loopMachine = lastMachine;
                r[3][i] = outboxMailer(p);
                System.out.printf(Locale.ROOT, "%s, repetition %d: (2) %.1f/s, machine %s; (3) %.1f/s, machine %s%n", p.label,
                        i + 1, r[2][i], loopMachine, r[3][i], lastMachine);
                for (int b = 0; b < 3; b++) {
                    ratio[b][i] = r[3][i] / r[b][i];
                }
            }
            rows.add(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f× | %.1f× | %.2f× |",
                    p.label, median(r[0]), median(r[1]), median(r[2]), median(r[3]), median(ratio[0]), median(ratio[1]),
                    median(ratio[2])));
        }
        System.out.println();
        System.out.println("| messages | (1) camel-mail route /s | (1b) same + TCP_NODELAY /s | (2) Angus, one connection /s"
                + " | (3) outbox-mailer /s | (3)/(1) | (3)/(1b) | (3)/(2) |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
        System.out.println();
        if (!Boolean.getBoolean("bench.table-only")) {
            roundTrips();
            latencyAndReadiness();
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /**
     * One run of (2) and one of (3) at 1 KB that are not counted. The loop is warm after its 5,000 warm-up
     * messages; outbox-mailer, with far more code for the JIT, was not after its 5,000 warm-up drafts: the CPU
     * per draft of its first run after the loop's was 1,755 µs, then 1,306, 954 and 1,182 µs (four runs in one
     * JVM). {@code -Dbench.cold=true} leaves this out.
     */
    static void warmUpSmall() throws Exception {
        if (Boolean.getBoolean("bench.cold")) {
            return;
        }
        double loop = angusLoop(Payload.SMALL);
        double mailer = outboxMailer(Payload.SMALL);
        System.out.printf(Locale.ROOT, "1 KB warm-up, not counted: (2) %.1f/s (3) %.1f/s (CPU per draft %.0f µs)%n", loop,
                mailer, lastCpuMicrosPerMessage);
    }

    // ---------------------------------------------------------------- (1) and (1b): camel-mail as its docs show it

    static double camelRoute(Payload p, boolean noDelay) throws Exception {
        Path dir = Files.createDirectories(work.resolve("camel-" + System.nanoTime()));
        AtomicInteger done = new AtomicInteger();
        try (CamelContext camel = new DefaultCamelContext()) {
            if (noDelay) {
                Properties extra = new Properties();
                extra.setProperty("mail.smtps.ssl.socketFactory.class", NoDelaySslSocketFactory.class.getName());
                camel.getRegistry().bind("noDelay", extra);
            }
            String options = noDelay ? "?additionalJavaMailProperties=#noDelay" : "";
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("file:" + dir)
                            .setHeader("subject", constant("bench"))
                            .setHeader("from", constant("bench@example.com"))
                            .setHeader("to", constant("bob@example.org"))
                            .process(e -> {
                                if (p == Payload.LARGE) { // a 1 MB file goes as an attachment
                                    Path file = Path.of(e.getMessage().getHeader("CamelFileAbsolutePath", String.class));
                                    e.getMessage(AttachmentMessage.class).addAttachment("payload.bin",
                                            new DataHandler(new FileDataSource(file.toFile())));
                                    e.getMessage().setBody("see attachment");
                                }
                            })
                            .to("smtps://localhost:" + port + options)
                            .process(e -> done.incrementAndGet());
                }
            });
            camel.start();
            warmUp(dir, p, 3, done, "x");
            done.set(0);
            long start = System.nanoTime();
            drop(dir, p, p.baselineCount, "x");
            await(() -> done.get() >= p.baselineCount, Duration.ofMinutes(5));
            return p.baselineCount / seconds(start);
        } finally {
            Scratch.settle();
        }
    }

    // ---------------------------------------------------------------- (2): bare Angus Mail over one reused connection

    static double angusLoop(Payload p) throws Exception {
        return angusLoop(p, port, Math.max(500, p.warmUp), p.count, () -> {});
    }

    /** {@code warmUp} messages, then {@code n} timed; {@code measuring} runs just before the timed ones. */
    static double angusLoop(Payload p, int port, int warmUp, int n, Runnable measuring) throws Exception {
        Properties props = new Properties();
        props.setProperty("mail.smtps.ssl.checkserveridentity", "true");
        Session session = Session.getInstance(props);
        Path attachment = payloadFile(p);
        try (Transport transport = session.getTransport("smtps")) {
            transport.connect("localhost", port, null, null);
            for (int i = 0; i < warmUp; i++) { // warm-up: the JIT gets to work
                send(transport, session, p, attachment, i);
            }
            measuring.run();
            MachineShare machine = MachineShare.start();
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                send(transport, session, p, attachment, i);
            }
            double perSecond = n / seconds(start);
            lastCpuMicrosPerMessage = (processCpuNanos() - cpu) / 1e3 / n;
            lastMachine = machine.sinceStart();
            return perSecond;
        }
    }

    static void send(Transport transport, Session session, Payload p, Path attachment, int i) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("bench@example.com"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        m.setSubject("bench " + i, "UTF-8");
        if (p == Payload.SMALL) {
            m.setText("x".repeat(p.bytes), "UTF-8");
        } else {
            MimeBodyPart text = new MimeBodyPart();
            text.setText("see attachment", "UTF-8");
            MimeBodyPart file = new MimeBodyPart();
            file.attachFile(attachment.toFile());
            m.setContent(new MimeMultipart(text, file));
        }
        m.saveChanges();
        transport.sendMessage(m, m.getAllRecipients());
    }

    // ---------------------------------------------------------------- (3): outbox-mailer end to end

    static double outboxMailer(Payload p) throws Exception {
        return outboxMailer(p, port, Map.of(), p.warmUp, p.count, () -> {});
    }

    /**
     * outbox-mailer on {@code port} with these settings over the defaults: {@code warmUp} drafts, then
     * {@code count} drafts timed from the first dropped to the last receipt written.
     */
    static double outboxMailer(Payload p, int port, Map<String, String> extra, int warmUp, int count,
                               Runnable measuring) throws Exception {
        Path dir = Files.createDirectories(work.resolve("mailer-" + System.nanoTime()));
        Path outbox = dir.resolve("outbox");
        Map<String, String> settings = mailerSettings(outbox);
        settings.put("smtp.port", String.valueOf(port));
        settings.putAll(extra);
        Main main = OutboxMailer.create(settings);
        main.start();
        try {
            // drafts done (their receipt written: the outcome stage runs inside the exchange), counted as Camel
            // completes them; listing .sent/<day>/ every 20 ms cost the mailer's JVM more CPU the more it held
            AtomicInteger done = new AtomicInteger();
            java.util.concurrent.atomic.AtomicLong first = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
            main.getCamelContext().getManagementStrategy().addEventNotifier(new org.apache.camel.support.EventNotifierSupport() {
                { // only "exchange completed" is counted: every other event would cost the measured JVM its making
                    setIgnoreCamelContextEvents(true);
                    setIgnoreRouteEvents(true);
                    setIgnoreServiceEvents(true);
                    setIgnoreExchangeCreatedEvent(true);
                    setIgnoreExchangeFailedEvents(true);
                    setIgnoreExchangeRedeliveryEvents(true);
                    setIgnoreExchangeSendingEvents(true);
                    setIgnoreExchangeSentEvents(true);
                    setIgnoreExchangeAsyncProcessingStartedEvents(true);
                    setIgnoreStepEvents(true);
                }

                @Override
                public void notify(org.apache.camel.spi.CamelEvent event) {
                    if (event instanceof org.apache.camel.spi.CamelEvent.ExchangeCompletedEvent e
                            && "outbox-folder".equals(e.getExchange().getFromRouteId())) {
                        long now = System.nanoTime();
                        if (done.incrementAndGet() == 1) {
                            first.set(now);
                        }
                        last.set(now);
                    }
                }
            });
            Files.createDirectories(outbox.resolve("files"));
            Files.copy(payloadFile(p), outbox.resolve("files/payload.bin"), StandardCopyOption.REPLACE_EXISTING);
            dropDrafts(outbox, p, warmUp, "warm"); // the JIT gets to work, as in (2)
            await(() -> done.get() >= warmUp, Duration.ofMinutes(5)); // every warm-up exchange over, not just filed
            measuring.run();
            done.set(0);
            MachineShare machine = MachineShare.start();
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            dropDrafts(outbox, p, count, "run");
            await(() -> done.get() >= count, Duration.ofMinutes(5));
            double perSecond = count / seconds(start);
            lastCpuMicrosPerMessage = (processCpuNanos() - cpu) / 1e3 / count; // includes dropping the drafts
            lastMachine = machine.sinceStart();
            // from the first receipt to the last: without the wait for the first scan (outbox.poll-delay,
            // outbox.settle-time), i.e. the rate a long backlog drains at
            lastSteadyPerSecond = (count - 1) / ((last.get() - first.get()) / 1e9);
            if (receipts(outbox) < warmUp + count) {
                throw new IllegalStateException("drafts completed without a receipt: " + receipts(outbox) + " receipts");
            }
            return perSecond;
        } finally {
            main.stop();
            Scratch.settle();
        }
    }

    static Map<String, String> mailerSettings(Path outbox) {
        Map<String, String> s = new HashMap<>();
        s.put("outbox.dir", outbox.toString());
        s.put("smtp.host", "localhost");
        s.put("smtp.port", String.valueOf(port));
        s.put("smtp.security", "ssl");
        s.put("smtp.trust-store", cert.toString());
        s.put("mail.from", "bench@example.com");
        s.put("camel.management.port", "0"); // any free port: /observe is not what is measured
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.set."))
                .forEach(k -> s.put(k.substring("bench.set.".length()), System.getProperty(k)));
        return s;
    }

    static void dropDrafts(Path outbox, Payload p, int n, String prefix) throws IOException {
        for (int i = 0; i < n; i++) {
            String draft = p == Payload.SMALL
                    ? "To: bob@example.org\r\nSubject: bench " + i + "\r\n\r\n" + "x".repeat(p.bytes) + "\r\n"
                    : "{\"to\":\"bob@example.org\",\"subject\":\"bench " + i + "\",\"text\":\"see attachment\","
                            + "\"attachments\":[{\"path\":\"files/payload.bin\"}]}";
            String name = prefix + "-" + i + (p == Payload.SMALL ? ".eml" : ".json");
            Path tmp = outbox.resolve(name + ".tmp");
            Files.writeString(tmp, draft);
            Files.move(tmp, outbox.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static long receipts(Path outbox) throws IOException {
        Path day = outbox.resolve(".sent").resolve(LocalDate.now().toString());
        if (!Files.isDirectory(day)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(day)) {
            return files.filter(f -> f.toString().endsWith(".receipt.json")).count();
        }
    }

    // ---------------------------------------------------------------- 20 ms round trips (a delaying proxy)

    /**
     * A TCP proxy delaying each direction by 10 ms (20 ms RTT) in front of a second SMTPS service of the same
     * stunnel ({@code -Dbench.counted-port}), whose plain side goes through a {@link CommandCounter} on
     * {@code -Dbench.counter-port} to smtp-sink on {@code -Dbench.sink-port}: msgs/s, client turns (round
     * trips) and commands per message, as the server sees them.
     */
    static void roundTrips() throws Exception {
        int counted = Integer.getInteger("bench.counted-port", 0);
        if (counted == 0) {
            System.out.println("20 ms RTT: skipped (no -Dbench.counted-port; bench/run sets it)");
            return;
        }
        int oneWay = Integer.getInteger("bench.one-way-ms", 10);
        int reps = Integer.getInteger("bench.latency-reps", 1);
        try (CommandCounter counter = new CommandCounter(Integer.getInteger("bench.counter-port"),
                Integer.getInteger("bench.sink-port"));
             DelayProxy proxy = new DelayProxy(counted, oneWay)) {
            List<String> rows = new ArrayList<>();
            double[] loop = new double[1];
            rows.add(overLatency("(2) bare Angus loop, one connection", reps, counter, proxy, loop, m -> {
                double r = angusLoop(Payload.SMALL, proxy.port(), 20, 100, m);
                return new Sent(r, 100, r);
            }));
            loop[0] = lastMedian;
            String[][] mailers = {
                    {"(3) outbox-mailer, defaults"},
                    {"(3) outbox-mailer, smtp.pipelining=false", "smtp.pipelining=false"},
                    {"(3) outbox-mailer, smtp.connections=8", "smtp.connections=8"},
                    {"(3) outbox-mailer, smtp.connections=8, smtp.pipelining=false", "smtp.connections=8", "smtp.pipelining=false"},
            };
            for (String[] m : mailers) {
                Map<String, String> extra = new HashMap<>();
                for (int i = 1; i < m.length; i++) {
                    extra.put(m[i].substring(0, m[i].indexOf('=')), m[i].substring(m[i].indexOf('=') + 1));
                }
                int n = Integer.getInteger("bench.latency-drafts", 400);
                rows.add(overLatency(m[0], reps, counter, proxy, loop, measuring -> new Sent(
                        outboxMailer(Payload.SMALL, proxy.port(), extra, 40, n, measuring), n, lastSteadyPerSecond)));
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "At %d ms RTT (1 KB over TLS; medians of %d):%n%n", 2 * oneWay, reps);
            System.out.println("| scenario | msgs/s | × (2) | first→last receipt msgs/s | × (2) | round trips / msg"
                    + " | commands / msg | new connections |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
            rows.forEach(System.out::println);
            System.out.println();
        }
    }

    /** msgs/s timed from the first draft dropped, the messages, and msgs/s from the first receipt to the last. */
    record Sent(double perSecond, int messages, double steadyPerSecond) {}

    static double lastMedian;

    interface Measured {
        Sent run(Runnable measuring) throws Exception;
    }

    static String overLatency(String label, int reps, CommandCounter counter, DelayProxy proxy, double[] loop,
                              Measured measured) throws Exception {
        double[] rates = new double[reps];
        double[] steady = new double[reps];
        String counts = "";
        for (int i = 0; i < reps; i++) {
            long[] before = new long[3];
            Map<String, Long>[] verbs = new Map[1];
            Sent sent = measured.run(() -> {
                before[0] = proxy.turns();
                before[1] = counter.total();
                before[2] = proxy.connections();
                verbs[0] = counter.counts();
            });
            long turns = proxy.turns() - before[0];
            long commands = counter.total() - before[1];
            long connections = proxy.connections() - before[2];
            rates[i] = sent.perSecond();
            steady[i] = sent.steadyPerSecond();
            Map<String, Long> now = counter.counts();
            StringBuilder byVerb = new StringBuilder();
            now.forEach((verb, c) -> {
                long d = c - verbs[0].getOrDefault(verb, 0L);
                if (d > 0) {
                    byVerb.append(byVerb.length() == 0 ? "" : " ").append(verb).append(' ')
                            .append(String.format(Locale.ROOT, "%.2f", d / (double) sent.messages()));
                }
            });
            counts = String.format(Locale.ROOT, "%.2f | %.2f (%s) | %d", turns / (double) sent.messages(),
                    commands / (double) sent.messages(), byVerb, connections);
        }
        Arrays.sort(rates);
        Arrays.sort(steady);
        double r = rates[reps / 2];
        double st = steady[reps / 2];
        lastMedian = r;
        double base = loop[0] == 0 ? r : loop[0];
        return String.format(Locale.ROOT, "| %s | %.1f | %.2f× | %.1f | %.2f× | %s |", label, r, r / base, st, st / base, counts);
    }

    // ---------------------------------------------------------------- latency, readiness, a 100 MB attachment

    static void latencyAndReadiness() throws Exception {
        Path dir = Files.createDirectories(work.resolve("latency"));
        Path outbox = dir.resolve("outbox");
        Main main = OutboxMailer.create(mailerSettings(outbox));
        main.start();
        List<Long> millis = new ArrayList<>();
        try {
            for (int i = 0; i < 21; i++) {
                Thread.sleep(1_200); // idle between drafts
                long start = System.nanoTime();
                dropDrafts(outbox, Payload.SMALL, 1, "idle-" + i);
                long expected = i + 1;
                await(() -> receipts(outbox) >= expected, Duration.ofMinutes(1));
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        } finally {
            main.stop();
        }
        millis.sort(Long::compare);
        System.out.printf(Locale.ROOT, "idle drop → receipt written (server accepted): p50 %d ms, p90 %d ms, max %d ms (%d drafts)%n",
                millis.get(millis.size() / 2), millis.get(millis.size() * 9 / 10), millis.get(millis.size() - 1), millis.size());
        readiness();
        hundredMegabytesInNinetySixMegabytesOfHeap();
    }

    static final Path JAR = Path.of(System.getProperty("bench.jar", "target/outbox-mailer.jar")).toAbsolutePath();

    static Process jar(Path dir, List<String> jvm, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(List.of("-jar", JAR.toString(), "--camel.management.port=0"));
        command.addAll(args);
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("app.log").toFile()).start();
    }

    /** From the java command to the routes started (the log line Camel writes then). */
    static void readiness() throws Exception {
        List<Long> millis = new ArrayList<>();
        int runs = Integer.getInteger("bench.ready-runs", 3);
        for (int i = 0; i < runs; i++) {
            Path dir = Files.createDirectories(work.resolve("ready-" + i));
            long start = System.nanoTime();
            Process app = jar(dir, List.of(), List.of("--smtp.host=localhost", "--smtp.port=" + port,
                    "--smtp.trust-store=" + cert));
            try {
                await(() -> Files.exists(dir.resolve("app.log"))
                        && Files.readString(dir.resolve("app.log")).contains("(outbox-mailer) started in"), Duration.ofMinutes(1));
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            } finally {
                app.destroy();
                app.waitFor();
            }
        }
        millis.sort(Long::compare);
        System.out.printf(Locale.ROOT, "ready (java -jar → routes started): median %d ms of %s%n", millis.get(millis.size() / 2), millis);
    }

    /** A 100 MB attachment through the packaged jar limited to a 96 MB heap. */
    static void hundredMegabytesInNinetySixMegabytesOfHeap() throws Exception {
        Path dir = Files.createDirectories(work.resolve("big"));
        Path outbox = Files.createDirectories(dir.resolve("outbox/files"));
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(3);
        try (OutputStream out = Files.newOutputStream(outbox.resolve("video.bin"))) {
            for (int i = 0; i < 100; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Process app = jar(dir, List.of("-Xmx96m"), List.of("--smtp.host=localhost", "--smtp.port=" + port,
                "--smtp.trust-store=" + cert, "--mail.from=bench@example.com", "--mail.max-size=200MB"));
        try {
            await(() -> Files.readString(dir.resolve("app.log")).contains("started in"), Duration.ofMinutes(1));
            long start = System.nanoTime();
            Files.writeString(dir.resolve("outbox/big.json.tmp"), "{\"to\":\"bob@example.org\",\"subject\":\"100 MB\","
                    + "\"text\":\"see attachment\",\"attachments\":[{\"path\":\"files/video.bin\"}]}");
            Files.move(dir.resolve("outbox/big.json.tmp"), dir.resolve("outbox/big.json"));
            Path receipt = dir.resolve("outbox/.sent").resolve(LocalDate.now().toString()).resolve("big.json.receipt.json");
            Path error = dir.resolve("outbox/.failed/big.json.error.json");
            await(() -> Files.exists(receipt) || Files.exists(error) || !app.isAlive()
                    || Files.readString(dir.resolve("app.log")).contains("OutOfMemoryError"), Duration.ofMinutes(5));
            String log = Files.readString(dir.resolve("app.log"));
            System.out.printf(Locale.ROOT, "100 MB attachment with -Xmx96m: %s in %.1f s%s%n",
                    Files.exists(receipt) ? "SENT" : "NOT SENT", seconds(start),
                    log.contains("OutOfMemoryError") ? " (OutOfMemoryError)" : Files.exists(error) ? " (" + Files.readString(error) + ")" : "");
        } finally {
            app.destroy();
            app.waitFor();
        }
    }

    // ---------------------------------------------------------------- helpers

    static Path payloadFile(Payload p) throws IOException {
        Path file = work.resolve("payload-" + p.bytes + ".bin");
        if (!Files.exists(file)) {
            byte[] bytes = new byte[p.bytes];
            new Random(7).nextBytes(bytes);
            Files.write(file, bytes);
        }
        return file;
    }

    static void drop(Path dir, Payload p, int n, String prefix) throws IOException {
        for (int i = 0; i < n; i++) {
            Path tmp = dir.resolve("." + prefix + i + ".tmp");
            if (p == Payload.SMALL) {
                Files.writeString(tmp, "x".repeat(p.bytes), StandardCharsets.US_ASCII);
            } else {
                Files.copy(payloadFile(p), tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, dir.resolve(prefix + "-" + System.nanoTime() + "-" + i), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static void warmUp(Path dir, Payload p, int n, AtomicInteger done, String prefix) throws Exception {
        drop(dir, p, n, prefix);
        await(() -> done.get() >= n, Duration.ofMinutes(2));
    }

    interface Condition {
        boolean met() throws Exception;
    }

    static void await(Condition condition, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out");
            }
            Thread.sleep(20); // the poll itself must not steal the CPU it measures
        }
    }

    /** CPU time of this JVM per message in the last timed phase of (2) or (3), in µs: steadier than msgs/s on a busy machine. */
    static double lastCpuMicrosPerMessage;
    /** (3) only: messages per second from the first receipt to the last of the last timed phase. */
    static double lastSteadyPerSecond;
    /** The machine's steal and idle shares during the last timed phase of (2) or (3). */
    static String lastMachine = "?";

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The baselines trust the bench certificate the way a Camel user would: the JVM-wide trust store. */
    static void trustCertificateJvmWide() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = new FileInputStream(cert.toFile())) {
            store.setCertificateEntry("bench", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        Path file = work.resolve("truststore.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "changeit".toCharArray());
        }
        System.setProperty("javax.net.ssl.trustStore", file.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }
}
