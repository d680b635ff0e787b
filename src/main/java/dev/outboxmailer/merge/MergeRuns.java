package dev.outboxmailer.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.compose.MergeParts;
import dev.outboxmailer.message.DraftSource;
import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.observe.MailerMetrics;
import dev.outboxmailer.state.Claim;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.StateFiles;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mail merge (SPEC §13), bean {@code mergeRuns}. A claimed {@code <name>.merge.json}/{@code .merge.yaml} is not
 * composed: {@link #start} checks it, copies its rows, moves it into {@code .state/merges/<id>/} and journals
 * it. A driver thread then renders the rows one by one into ordinary envelope drafts — each with its own fixed
 * Message-ID and its attachments embedded — in {@code .state/merge-rows/}, an outbox of its own (claims, retry
 * records, filing journal), and hands each to route {@code claimed-draft}: every row goes through the pipeline
 * any draft goes through (compose, suppression, DKIM, rate limit, SMTP, retries, outcome, bounce index). At most
 * {@code merge.in-flight} rows are rendered but not done (back-pressure: bounded memory and disk, whatever the
 * number of rows). Each row's outcome is collected from the rows outbox: a receipt becomes
 * {@code .sent/<day>/<base>/row-<n>.receipt.json}, a failure an entry of the summary. When every row is done,
 * the merge draft and {@code <base>.summary.json} are filed beside the receipts.
 *
 * <p>After a crash (even {@code kill -9}) the journal says where the run was: rows rendered and not yet sent are
 * sent (again, at most the rows in flight, under the same Message-ID), the rest are rendered; no row is lost.
 * {@code "preview": true} renders every row to {@code .preview/<base>/row-<n>.eml} and sends nothing.
 */
public final class MergeRuns {
    private static final Logger LOG = LoggerFactory.getLogger(MergeRuns.class);
    static final String RUNS = "merges";
    static final String ROWS = "merge-rows";
    private static final int PREVIEW_CHUNK = 200;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Outboxes outboxes;
    private final DeliveryPause pause;
    private final MailerMetrics metrics;
    private final Composer composer;
    private final Clock clock;
    private final long maxBytes;
    private final int window;
    private final int senderThreads;
    private final Duration progressEvery;
    private final String defaultDomain;
    private final Map<String, MergeRun> runs = new ConcurrentHashMap<>();
    private final Set<Path> scanned = ConcurrentHashMap.newKeySet();
    private final Object wake = new Object();
    private final AtomicInteger wakes = new AtomicInteger();
    private volatile boolean stopped;
    private CamelContext context;
    private ProducerTemplate producer;
    private ExecutorService senders;
    private Thread driver;

    /**
     * @param window        {@code merge.in-flight}: rows rendered but not done, at most
     * @param inFlight      {@code outbox.in-flight}: rows handed to the pipeline at once
     * @param defaultFrom   mail.from, for the domain of a row's Message-ID when its template has no from
     */
    public MergeRuns(Outboxes outboxes, DeliveryPause pause, MailerMetrics metrics, Composer composer, Clock clock,
                     long maxBytes, int window, int inFlight, Duration progressEvery, InternetAddress defaultFrom) {
        this.outboxes = outboxes;
        this.pause = pause;
        this.metrics = metrics;
        this.composer = composer;
        this.clock = clock;
        this.maxBytes = maxBytes;
        this.window = Math.max(1, window);
        this.senderThreads = Math.max(1, inFlight);
        this.progressEvery = progressEvery;
        this.defaultDomain = defaultFrom == null ? "localhost" : domainOf(defaultFrom.getAddress(), "localhost");
    }

    // ---- lifecycle

    private boolean contextUp;
    private boolean leading;
    private boolean begun;

    /** The CamelContext (and route claimed-draft) is up: the driver starts if this instance leads. */
    public synchronized void contextUp(CamelContext context) {
        this.context = context;
        contextUp = true;
        beginWhenReady();
    }

    /**
     * This instance picks up the outbox's drafts: at once without {@code cluster.mode}, on taking the lead on a
     * standby. The rows outbox of the main outbox is opened (and recovered) now, before any draft is picked up;
     * the driver, which resumes the journalled runs, starts once the CamelContext is up too. A standby never
     * touches the leader's runs.
     */
    public synchronized void lead(Path outbox) {
        outboxes.open(outbox.resolve(".state").resolve(ROWS));
        leading = true;
        beginWhenReady();
    }

    private void beginWhenReady() {
        if (contextUp && leading && !begun) {
            begun = true;
            begin();
        }
    }

    private void begin() {
        this.producer = context.createProducerTemplate();
        this.senders = Executors.newFixedThreadPool(senderThreads, r -> {
            Thread t = new Thread(r, "merge-row");
            t.setDaemon(true);
            return t;
        });
        this.driver = new Thread(this::drive, "merge");
        driver.setDaemon(true);
        driver.start();
    }

    public void end() {
        stopped = true;
        wake();
        if (driver != null) {
            try {
                driver.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (senders != null) {
            senders.shutdown();
            try {
                senders.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void wake() {
        wakes.incrementAndGet();
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void drive() {
        while (!stopped) {
            int seen = wakes.get();
            try {
                tick();
            } catch (RuntimeException | IOException e) {
                LOG.warn("The mail merge could not go on for a moment: {}", e.toString());
                sleep(1_000);
            }
            synchronized (wake) {
                if (wakes.get() == seen && !stopped) {
                    try {
                        wake.wait(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- intake (route claimed-draft)

    /** Is the exchange's claimed draft a merge draft (and not a row of one)? */
    public boolean isMerge(Exchange exchange) {
        DraftSource source = source(exchange);
        return source != null && source.claim() != null && source.outbox() != null && MergeDraft.isMerge(source.name())
                && !isRowsOutbox(source.outbox());
    }

    private static DraftSource source(Exchange exchange) {
        return exchange.getMessage().getBody() instanceof DraftSource body ? body
                : exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
    }

    private static boolean isRowsOutbox(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        return p.getFileName() != null && p.getFileName().toString().equals(ROWS) && p.getParent() != null
                && p.getParent().getFileName() != null && p.getParent().getFileName().toString().equals(".state");
    }

    /**
     * Takes a claimed merge draft: checks it (an unusable one fails here, as invalid-draft, and is filed in
     * {@code .failed/} like any draft), copies its rows, reserves its outcome folder, moves it out of the claims
     * and journals the run. Sending starts at once, on the driver thread (never at the same time as a start: a
     * resume must not take a run that is being started for one a crash left).
     */
    public synchronized void start(Exchange exchange) throws InvalidDraftException, IOException {
        DraftSource source = source(exchange);
        exchange.setProperty(DraftSource.PROPERTY, source);
        Path outbox = source.outbox().toAbsolutePath().normalize();
        Outboxes.Outbox box = outboxes.of(outbox);
        byte[] bytes = read(source);
        MergeDraft draft = MergeDraft.read(source.name(), bytes, new RowTemplate.Settings(outbox, maxBytes));
        Outboxes.Outbox rowsBox = rowsOutbox(outbox);
        String id = source.claim();
        Path dir = outbox.resolve(".state").resolve(RUNS).resolve(id);
        MergeRun.Journal journal;
        try {
            Files.createDirectories(dir);
            RowSource.Format format;
            Path rowsCopy;
            String from;
            if (draft.inlineRows() != null) {
                format = RowSource.Format.NDJSON;
                rowsCopy = dir.resolve("rows.ndjson");
                writeInline(draft.inlineRows(), rowsCopy);
                from = "the inline list";
            } else {
                format = RowSource.Format.of(draft.rowsPath());
                rowsCopy = dir.resolve("rows." + format.name().toLowerCase(Locale.ROOT));
                copyRows(outbox, draft.rowsPath(), rowsCopy);
                from = draft.rowsPath();
            }
            int rows;
            try {
                rows = RowSource.count(rowsCopy, format);
            } catch (RowSource.Unreadable e) {
                throw new InvalidDraftException("\"rows\": " + (draft.rowsPath() == null ? "the list"
                        : "\"" + draft.rowsPath() + "\"") + " cannot be read as " + format
                        + (e.after > 0 ? " after row " + e.after : "") + ": " + e.getMessage() + "; nothing was sent");
            }
            if (rows == 0) {
                throw new InvalidDraftException("\"rows\": " + from + " has no rows (a CSV needs a header row and at least "
                        + "one row under it); nothing to send");
            }
            String folder = reserveFolder(outbox, draft);
            journal = new MergeRun.Journal(source.name(), folder, token(), OffsetDateTime.now(clock).toString(), rows, 1,
                    draft.preview(), format.name(), from, source.folderDefaults());
            // the journal first: a run folder with a journal but no draft is one whose draft is still claimed
            StateFiles.writeAtomically(dir.resolve(MergeRun.JOURNAL), MergeDraft.JSON.writeValueAsBytes(journal));
            Files.move(source.file(), dir.resolve(MergeRun.DRAFT), StandardCopyOption.ATOMIC_MOVE);
            StateFiles.syncFolder(dir);
        } catch (InvalidDraftException | IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
        MergeRun run = new MergeRun(id, dir, outbox, rowsBox, draft, journal);
        box.schedule().forget(id);
        LOG.info("MERGE {}: {} rows from {}; {}", source.printableName(), journal.rows(), journal.rowsFrom(),
                draft.preview() ? "preview: every row is rendered to " + journal.folder() + "/, nothing is sent"
                        : "sending, outcomes in " + journal.folder() + "/");
        runs.put(id, run);
        exchange.setRouteStop(true);
        wake();
    }

    /**
     * Route claimed-draft, before the bounce index records a sent draft: a merge row is recorded under its merge's
     * outbox as {@code <merge folder>/row-<n>}, so its bounces are filed beside its receipt,
     * {@code .sent/<day>/<base>/row-<n>.bounce.json}. Other drafts pass unchanged.
     */
    public void forBounces(Exchange exchange) {
        DraftSource source = exchange.getProperty(DraftSource.PROPERTY, DraftSource.class);
        if (source == null || source.outbox() == null || !isRowsOutbox(source.outbox())) {
            return;
        }
        MergeRun.RowFile row = MergeRun.parse(source.name());
        MergeRun run = row == null ? null : runs.get(row.run());
        if (run == null) {
            return;
        }
        String folder = Path.of(run.journal.folder()).getFileName().toString();
        exchange.setProperty(DraftSource.PROPERTY, new DraftSource(folder + "/row-" + row.row(), null, source.claim(),
                run.outbox, source.folderDefaults()));
    }

    private byte[] read(DraftSource source) throws InvalidDraftException {
        try (Draft claimed = Draft.ofFile(source.name(), source.file(), source.outbox())) {
            claimed.checked();
            if (claimed.size() > maxBytes) {
                throw new InvalidDraftException("the merge draft is larger than mail.max-size; put the rows in a file "
                        + "(\"rows\": \"files/rows.csv\") instead of the draft");
            }
            return claimed.bytes();
        }
    }

    private void copyRows(Path outbox, String path, Path copy) throws InvalidDraftException, IOException {
        try (MergeParts.Opened rows = MergeParts.open(outbox, Long.MAX_VALUE / 4, 0, path, null, "text/plain");
             OutputStream out = Files.newOutputStream(copy)) {
            rows.stream().transferTo(out);
        } catch (InvalidDraftException e) {
            throw new InvalidDraftException(e.getMessage().replace("\"attachments[0].path\"", "\"rows\""));
        }
    }

    private static void writeInline(ArrayNode rows, Path copy) throws IOException {
        try (OutputStream out = Files.newOutputStream(copy)) {
            for (JsonNode row : rows) {
                out.write(MergeDraft.JSON.writeValueAsBytes(row));
                out.write('\n');
            }
        }
    }

    /** {@code .sent/<day>/<base>} (or {@code .preview/<base>}), {@code <base>-2}… when taken; created now. */
    private String reserveFolder(Path outbox, MergeDraft draft) throws IOException {
        String base = MergeDraft.baseName(draft.name());
        Path parent = draft.preview() ? outbox.resolve(".preview")
                : outbox.resolve(".sent").resolve(LocalDate.now(clock).toString());
        Files.createDirectories(parent);
        for (int n = 1; ; n++) {
            String name = n == 1 ? base : base + "-" + n;
            try {
                Files.createDirectory(parent.resolve(name));
                return outbox.relativize(parent.resolve(name)).toString();
            } catch (FileAlreadyExistsException taken) {
                // the next name
            }
        }
    }

    private static String token() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private Outboxes.Outbox rowsOutbox(Path outbox) {
        return outboxes.open(outbox.resolve(".state").resolve(ROWS));
    }

    // ---- the driver

    synchronized void tick() throws IOException {
        if (context == null || !context.isStarted()) {
            return;
        }
        for (Outboxes.Outbox box : List.copyOf(outboxes.all())) {
            if (!isRowsOutbox(box.dir()) && scanned.add(box.dir())) {
                resume(box.dir());
            }
        }
        if (runs.isEmpty()) {
            return;
        }
        Set<Path> rowBoxes = new java.util.HashSet<>();
        for (MergeRun run : runs.values()) {
            rowBoxes.add(run.rowsBox.dir());
        }
        for (Path rows : rowBoxes) {
            harvest(outboxes.of(rows));
        }
        boolean maySend = !pause.isPaused() && !outboxes.trouble().any();
        for (Path rows : rowBoxes) {
            if (maySend) {
                resubmit(outboxes.of(rows));
            }
        }
        for (MergeRun run : List.copyOf(runs.values())) {
            try {
                if (run.journal.preview()) {
                    preview(run);
                } else if (maySend) {
                    refill(run);
                }
                run.flush();
                if (run.renderedAll() && run.inFlight() <= 0) {
                    finish(run);
                } else {
                    sweep(run);
                    progress(run);
                }
            } catch (IOException e) {
                LOG.warn("MERGE {}: {}; tried again in a moment", run.journal.name(), e.toString());
            }
        }
    }

    /** Picks up the runs an earlier process left in {@code <outbox>/.state/merges/}. */
    private void resume(Path outbox) throws IOException {
        Path root = outbox.resolve(".state").resolve(RUNS);
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> list = Files.list(root)) {
            dirs = list.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            if (runs.containsKey(id)) {
                continue;
            }
            Path draftFile = dir.resolve(MergeRun.DRAFT);
            Path journalFile = dir.resolve(MergeRun.JOURNAL);
            try {
                if (!Files.exists(journalFile)) {
                    deleteTree(dir); // it had not started: its draft is still claimed, and goes again
                    continue;
                }
                MergeRun.Journal journal = MergeRun.readJournal(dir);
                MergeDraft draft = Files.exists(draftFile)
                        ? MergeDraft.read(journal.name(), Files.readAllBytes(draftFile), new RowTemplate.Settings(outbox, maxBytes))
                        : null;
                MergeRun run = new MergeRun(id, dir, outbox, rowsOutbox(outbox), draft, journal);
                if (draft == null) {
                    if (Files.exists(run.folder().resolve(run.base() + ".summary.json"))) {
                        run.loadOutcomes();
                        finish(run); // it was being filed when the process stopped
                    } else {
                        deleteTree(dir); // its draft was still claimed: it goes again from the start
                        deleteEmpty(run.folder());
                    }
                    continue;
                }
                run.loadOutcomes();
                findRendered(run);
                runs.put(id, run);
                LOG.info("MERGE {}: resumed at row {} of {} ({} done, {} failed)", journal.name(), journal.next(),
                        journal.rows(), run.done.cardinality(), run.failed);
            } catch (IOException | InvalidDraftException | RuntimeException e) {
                LOG.warn("The merge in {} cannot be resumed ({}); it is left there for a person to look at", dir, e.toString());
            }
        }
    }

    private static void deleteEmpty(Path folder) {
        try {
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // not empty: kept
        }
    }

    /** The run's rows, at or after its journal's next, that have a draft in the rows outbox (see MergeRun). */
    private static void findRendered(MergeRun run) throws IOException {
        for (Path file : rowFiles(run.rowsBox.dir(), p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
            MergeRun.RowFile row = MergeRun.parse(file.getFileName().toString());
            if (row != null && row.run().equals(run.id) && row.row() >= run.journal.next()) {
                run.renderedBeforeCrash.set(row.row());
            }
        }
    }

    /**
     * The row drafts of a rows outbox wherever they are, in the order drafts move: dropped ({@code top}, those of
     * them that pass), claimed (under their draft names), filed in {@code .sent/<day>/} and {@code .failed/}.
     */
    private static List<Path> rowFiles(Path rows, java.util.function.Predicate<Path> top) throws IOException {
        List<Path> files = new ArrayList<>(list(rows, top));
        for (Path claim : list(rows.resolve(".state").resolve("claims"), p -> true)) {
            Claim c = Claim.of(claim);
            if (c != null) {
                files.add(claim.resolveSibling(c.name()));
            }
        }
        for (Path day : list(rows.resolve(".sent"), Files::isDirectory)) {
            files.addAll(list(day, p -> true));
        }
        files.addAll(list(rows.resolve(".failed"), p -> true));
        return files;
    }

    /**
     * Every rendered row is on its way (a draft in the rows outbox: waiting, claimed, retried, filed) or done. A row
     * found nowhere twice, 30 s apart (its draft removed by hand from {@code .state/}), fails as
     * {@code lost}, so the run still ends and says so, instead of waiting for it forever.
     */
    private void sweep(MergeRun run) throws IOException {
        if (!run.renderedAll() || System.nanoTime() - run.lastSweepAt < sweepEvery.toNanos()) {
            return;
        }
        run.lastSweepAt = System.nanoTime();
        java.util.BitSet present = new java.util.BitSet();
        for (Path file : rowFiles(run.rowsBox.dir(), p -> true)) {
            MergeRun.RowFile row = MergeRun.parse(file.getFileName().toString());
            if (row != null && row.run().equals(run.id)) {
                present.set(row.row());
            }
        }
        java.util.BitSet missing = new java.util.BitSet();
        for (int n = run.done.nextClearBit(1); n < run.journal.next(); n = run.done.nextClearBit(n + 1)) {
            if (!present.get(n)) {
                missing.set(n);
            }
        }
        if (run.missingAtLastSweep != null) {
            java.util.BitSet lost = (java.util.BitSet) missing.clone();
            lost.and(run.missingAtLastSweep);
            for (int n = lost.nextSetBit(0); n >= 0; n = lost.nextSetBit(n + 1)) {
                rowFailed(run, n, "lost", "its draft disappeared from " + run.outbox.relativize(run.rowsBox.dir())
                        + " before it had an outcome (removed by hand?); it may or may not have been sent");
            }
            missing.andNot(lost);
            run.flush();
        }
        run.missingAtLastSweep = missing;
    }

    private volatile Duration sweepEvery = Duration.ofSeconds(30);

    /** For tests: how long apart the two looks are that find a row lost. */
    void sweepEvery(Duration every) {
        this.sweepEvery = every;
    }

    /** Collects the outcomes the pipeline filed in the rows outbox. */
    private void harvest(Outboxes.Outbox rowsBox) throws IOException {
        Path sent = rowsBox.dir().resolve(".sent");
        List<Path> days = list(sent, Files::isDirectory);
        List<Runnable> after = new ArrayList<>();
        for (Path day : days) {
            for (Path file : list(day, p -> !p.getFileName().toString().endsWith(".receipt.json"))) {
                MergeRun.RowFile row = MergeRun.parse(file.getFileName().toString());
                MergeRun run = row == null ? null : runs.get(row.run());
                if (run == null) {
                    continue;
                }
                Path receipt = file.resolveSibling(file.getFileName() + ".receipt.json");
                run.sent(row.row());
                after.add(() -> fileReceipt(run, row.row(), receipt, file));
            }
        }
        for (Path file : list(rowsBox.dir().resolve(".failed"), p -> !p.getFileName().toString().endsWith(".error.json"))) {
            MergeRun.RowFile row = MergeRun.parse(file.getFileName().toString());
            MergeRun run = row == null ? null : runs.get(row.run());
            if (run == null) {
                continue;
            }
            Path error = file.resolveSibling(file.getFileName() + ".error.json");
            String kind = "invalid-draft";
            String reason = "it failed";
            try {
                JsonNode report = MergeDraft.JSON.readTree(error.toFile());
                kind = report.path("kind").asText(kind);
                reason = report.path("reason").asText(reason);
            } catch (IOException e) {
                // the summary says it failed, without the details
            }
            if (run.failed(row.row(), kind, "row " + row.row() + ": " + reason)) {
                LOG.warn("FAILED {} row {} ({}): {}", run.journal.name(), row.row(), kind, reason);
            }
            after.add(() -> {
                delete(error);
                delete(file);
            });
        }
        for (MergeRun run : runs.values()) {
            run.flush(); // outcomes are durable before their files go
        }
        after.forEach(Runnable::run);
    }

    private void fileReceipt(MergeRun run, int row, Path receipt, Path draft) {
        try {
            if (Files.exists(receipt)) {
                ObjectNode node = (ObjectNode) MergeDraft.JSON.readTree(receipt.toFile());
                node.put("draft", run.journal.name());
                node.put("row", row);
                Path folder = run.folder();
                Files.createDirectories(folder);
                Path target = folder.resolve("row-" + row + ".receipt.json");
                Path tmp = folder.resolve(".row-" + row + ".receipt.json.tmp");
                Files.write(tmp, MergeDraft.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                delete(receipt);
            }
            delete(draft);
        } catch (IOException e) {
            LOG.warn("The receipt of {} row {} cannot be filed yet ({}); tried again", run.journal.name(), row, e.toString());
        }
    }

    /** Rows the pipeline gave back (held for an operator problem, or released at a restart) go out again. */
    private void resubmit(Outboxes.Outbox rowsBox) throws IOException {
        for (Path file : list(rowsBox.dir(), p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
            MergeRun.RowFile row = MergeRun.parse(file.getFileName().toString());
            MergeRun run = row == null ? null : runs.get(row.run());
            if (run != null) {
                if (!submit(run, file)) {
                    return;
                }
            }
        }
    }

    /** Renders rows while fewer than merge.in-flight are on their way. */
    private void refill(MergeRun run) throws IOException {
        int free = window - run.inFlight();
        if (free <= 0 || run.renderedAll()) {
            return;
        }
        openSource(run);
        List<Path> ready = new ArrayList<>();
        int next = run.journal.next();
        while (free > 0 && next <= run.journal.rows()) {
            RowSource.Row row = nextRow(run);
            if (row == null) {
                next = run.journal.rows() + 1;
                break;
            }
            next = row.number() + 1;
            if (run.renderedBeforeCrash.get(row.number())) {
                free--;
                continue; // its draft is in the rows outbox already, on its way
            }
            byte[] rendered = render(run, row);
            if (rendered != null) {
                Path file = run.rowsBox.dir().resolve(run.rowName(row.number()));
                StateFiles.writeAtomically(file, rendered);
                ready.add(file);
                free--;
            }
        }
        run.flush();
        run.journal = run.journal.next(next);
        run.saveJournal(); // synced before any of these rows can be sent
        for (Path file : ready) {
            if (!submit(run, file)) {
                break; // the rest stay in the rows outbox and go out when sending may go on
            }
        }
    }

    private void openSource(MergeRun run) throws IOException {
        if (run.source != null) {
            return;
        }
        try {
            run.source = RowSource.open(run.rowsFile(), RowSource.Format.valueOf(run.journal.format()));
            for (int skipped = 1; skipped < run.journal.next(); skipped++) {
                if (run.source.next() == null) {
                    break;
                }
            }
        } catch (RowSource.Unreadable e) {
            throw new IOException("the copy of its rows cannot be read: " + e.getMessage());
        }
    }

    private RowSource.Row nextRow(MergeRun run) throws IOException {
        try {
            return run.source.next();
        } catch (RowSource.Unreadable e) {
            throw new IOException("the copy of its rows cannot be read: " + e.getMessage());
        }
    }

    /** The row's envelope as JSON, or null when it failed (recorded). */
    private byte[] render(MergeRun run, RowSource.Row row) throws IOException {
        if (row.problem() != null) {
            rowFailed(run, row.number(), "invalid-row", row.problem());
            return null;
        }
        try {
            ObjectNode envelope = run.draft.template().render(row.values(), null);
            envelope.put("messageId", run.messageId(row.number(), domainOf(envelope.path("from").asText(null), defaultDomain)));
            return MergeDraft.JSON.writeValueAsBytes(envelope);
        } catch (RowTemplate.RowException e) {
            rowFailed(run, row.number(), "invalid-draft", e.getMessage());
            return null;
        }
    }

    private void rowFailed(MergeRun run, int row, String kind, String reason) {
        if (run.failed(row, kind, "row " + row + ": " + reason)) {
            metrics.failed(kind);
            LOG.warn("FAILED {} row {} ({}): {}", run.journal.name(), row, kind, reason);
        }
    }

    /** Claims the row's draft and hands it to route claimed-draft; false when sending may not go on now. */
    private boolean submit(MergeRun run, Path file) throws IOException {
        Outboxes.Outbox rowsBox = run.rowsBox;
        if (pause.isPaused() || outboxes.trouble().any() || !pause.admits()) {
            return false;
        }
        Claim claim;
        try {
            claim = rowsBox.claims().claim(file);
        } catch (NoSuchFileException gone) {
            return true;
        }
        rowsBox.schedule().taking(claim.id());
        DraftSource source = new DraftSource(claim.name(), claim.file(), claim.id(), rowsBox.dir(),
                run.journal.folderDefaults());
        senders.execute(() -> {
            try {
                Exchange exchange = new DefaultExchange(context);
                exchange.setProperty(DraftSource.PROPERTY, source);
                producer.send("direct:claimed-draft", exchange);
            } catch (RuntimeException e) {
                LOG.warn("A row of a merge could not be handed to the sender ({}); it goes again after a restart", e.toString());
            } finally {
                wake();
            }
        });
        return true;
    }

    /** Preview: the rows rendered to {@code .eml} files, a chunk per tick; nothing is sent. */
    private void preview(MergeRun run) throws IOException {
        if (run.renderedAll()) {
            return;
        }
        openSource(run);
        int next = run.journal.next();
        Path folder = run.folder();
        Files.createDirectories(folder);
        for (int k = 0; k < PREVIEW_CHUNK && next <= run.journal.rows(); k++) {
            RowSource.Row row = nextRow(run);
            if (row == null) {
                next = run.journal.rows() + 1;
                break;
            }
            next = row.number() + 1;
            byte[] rendered = render(run, row);
            if (rendered == null) {
                continue;
            }
            try (Draft draft = new Draft(run.rowName(row.number()), rendered, run.outbox)) {
                OutgoingMessage message = composer.compose(draft);
                Path tmp = folder.resolve(".row-" + row.number() + ".eml.tmp");
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    message.writeTo(out);
                }
                Files.move(tmp, folder.resolve("row-" + row.number() + ".eml"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                run.previewed(row.number());
            } catch (InvalidDraftException e) {
                rowFailed(run, row.number(), "invalid-draft", e.getMessage());
            } catch (jakarta.mail.MessagingException e) {
                rowFailed(run, row.number(), "invalid-draft", "the message cannot be written: " + e.getMessage());
            }
        }
        run.flush();
        run.journal = run.journal.next(next);
        run.saveJournal();
    }

    /** Every row is done: the summary, then the merge draft, into the outcome folder; the run's state goes. */
    private void finish(MergeRun run) throws IOException {
        if (run.source != null) {
            run.source.close();
            run.source = null;
        }
        Path summary = run.writeSummary(OffsetDateTime.now(clock));
        Path draft = run.dir.resolve(MergeRun.DRAFT);
        if (Files.exists(draft)) {
            Path target = run.folder().resolve(run.journal.name());
            Files.move(draft, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            StateFiles.syncFolder(run.folder());
        }
        deleteTree(run.dir);
        runs.remove(run.id);
        for (Path day : list(run.rowsBox.dir().resolve(".sent"), Files::isDirectory)) {
            deleteEmpty(day); // the rows outbox's day folders, emptied as the receipts moved on
        }
        Duration took = Duration.between(OffsetDateTime.parse(run.journal.startedAt()), OffsetDateTime.now(clock));
        LOG.info("MERGE {} done: {} rows, {} {}, {} failed in {}; summary {}", run.journal.name(), run.journal.rows(),
                run.journal.preview() ? run.previewed : run.sent, run.journal.preview() ? "previewed" : "sent", run.failed,
                human(took), run.outbox.relativize(summary));
    }

    private void progress(MergeRun run) {
        long now = System.nanoTime();
        double seconds = (now - run.lastProgressAt) / 1e9;
        if (seconds < progressEvery.toMillis() / 1000.0) {
            return;
        }
        int done = run.done.cardinality();
        int moved = done - run.lastProgressDone;
        if (moved > 0) {
            double rate = moved / seconds;
            int left = run.journal.rows() - done;
            LOG.info(String.format(Locale.ROOT, "PROGRESS merge %s: %d/%d, %d failed, %.1f/s, ETA %s", run.base(), done,
                    run.journal.rows(), run.failed, rate, human(Duration.ofSeconds((long) Math.ceil(left / rate)))));
        }
        run.lastProgressAt = now;
        run.lastProgressDone = done;
    }

    // ---- helpers

    static String domainOf(String address, String otherwise) {
        if (address == null || address.isBlank()) {
            return otherwise;
        }
        try {
            String a = new InternetAddress(address, false).getAddress();
            int at = a == null ? -1 : a.lastIndexOf('@');
            String domain = at < 0 ? "" : a.substring(at + 1);
            return domain.matches("[A-Za-z0-9.-]+") ? domain.toLowerCase(Locale.ROOT) : otherwise;
        } catch (AddressException e) {
            return otherwise;
        }
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                if (!p.getFileName().toString().startsWith(".") && keep.test(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("Cannot delete {}: {}", file, e.getMessage());
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        return (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }

    /** For tests: the runs going on. */
    int running() {
        return runs.size();
    }
}
