package dev.outboxmailer.merge;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outboxmailer.state.Outboxes;
import dev.outboxmailer.state.StateFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One merge on its way, in {@code <outbox>/.state/merges/<id>/}: the merge draft ({@code draft}), a copy of its
 * rows (what the run renders from, whatever happens to the user's file), the {@link Journal} (the next row to
 * render, synced before any rendered row is handed to the sender) and {@code outcomes.ndjson}, one line per row
 * that reached its outcome (synced before the row's files are cleaned up; a row twice there after a crash counts
 * once).
 */
final class MergeRun {
    static final String DRAFT = "draft";
    static final String JOURNAL = "journal.json";
    static final String OUTCOMES = "outcomes.ndjson";
    /** {@code <base>~<run id>.row-<n>.json}, maybe with the {@code -2} a second filing under the name gets. */
    private static final Pattern ROW_FILE = Pattern.compile("^.*~([0-9a-z-]+)\\.row-(\\d+)(?:-\\d+)?\\.json$");

    /**
     * What survives a crash.
     *
     * @param folder the outcome folder, reserved at start: {@code .sent/<day>/<base>} (or {@code .preview/<base>})
     * @param next   the next row to render (from 1); every row before it has a rendered draft or an outcome
     * @param folderDefaults the watched folder's defaults the merge draft was dropped with, for its rows
     */
    record Journal(String name, String folder, String token, String startedAt, int rows, int next,
                   boolean preview, String format, String rowsFrom, java.util.Map<String, String> folderDefaults) {
        Journal next(int n) {
            return new Journal(name, folder, token, startedAt, rows, n, preview, format, rowsFrom, folderDefaults);
        }
    }

    final String id;
    final Path dir;
    final Path outbox;
    final Outboxes.Outbox rowsBox;
    final MergeDraft draft;
    volatile Journal journal;
    RowSource source;
    final BitSet done = new BitSet();
    /**
     * Rows at or after the journal's next whose drafts a crash left behind (written just before the journal was):
     * they are on their way already, so they are not rendered and handed over again.
     */
    final BitSet renderedBeforeCrash = new BitSet();
    /** Rows the last look found nowhere in the rows outbox (see MergeRuns#sweep); null before the first look. */
    BitSet missingAtLastSweep;
    long lastSweepAt = System.nanoTime();
    int sent;
    int failed;
    int previewed;
    private final List<String> pending = new ArrayList<>();
    // progress
    long lastProgressAt = System.nanoTime();
    int lastProgressDone;

    MergeRun(String id, Path dir, Path outbox, Outboxes.Outbox rowsBox, MergeDraft draft, Journal journal) {
        this.id = id;
        this.dir = dir;
        this.outbox = outbox;
        this.rowsBox = rowsBox;
        this.draft = draft;
        this.journal = journal;
    }

    String base() {
        return MergeDraft.baseName(journal.name());
    }

    Path folder() {
        return outbox.resolve(journal.folder());
    }

    Path rowsFile() {
        return dir.resolve("rows." + journal.format().toLowerCase(java.util.Locale.ROOT));
    }

    /** The name of row {@code n}'s draft in the rows outbox. */
    String rowName(int n) {
        return base().replace('~', '-') + "~" + id + ".row-" + n + ".json";
    }

    /** Row {@code n}'s Message-ID: fixed when the run starts, so a row rendered again is the same mail. */
    String messageId(int n, String domain) {
        return "<merge." + journal.token() + "." + n + "@" + domain + ">";
    }

    /** A row draft's file: its run and row. */
    record RowFile(String run, int row) {}

    /** The run id and row number of a row draft's file name, or null when it is not one. */
    static RowFile parse(String fileName) {
        Matcher m = ROW_FILE.matcher(fileName);
        if (!m.matches() || m.group(2).length() > 9) {
            return null;
        }
        return new RowFile(m.group(1), Integer.parseInt(m.group(2)));
    }

    int rendered() {
        return journal.next() - 1;
    }

    int inFlight() {
        return rendered() - done.cardinality();
    }

    boolean renderedAll() {
        return journal.next() > journal.rows();
    }

    void saveJournal() throws IOException {
        StateFiles.writeAtomically(dir.resolve(JOURNAL), MergeDraft.JSON.writeValueAsBytes(journal));
    }

    static Journal readJournal(Path dir) throws IOException {
        return MergeDraft.JSON.readValue(dir.resolve(JOURNAL).toFile(), Journal.class);
    }

    // ---- outcomes

    /** Records a sent row (to be synced by {@link #flush()}); false when the row had its outcome already. */
    boolean sent(int row) {
        if (done.get(row)) {
            return false;
        }
        done.set(row);
        sent++;
        ObjectNode line = MergeDraft.JSON.createObjectNode().put("row", row).put("sent", true);
        pending.add(line.toString());
        return true;
    }

    boolean previewed(int row) {
        if (done.get(row)) {
            return false;
        }
        done.set(row);
        previewed++;
        pending.add(MergeDraft.JSON.createObjectNode().put("row", row).put("preview", true).toString());
        return true;
    }

    boolean failed(int row, String kind, String reason) {
        if (done.get(row)) {
            return false;
        }
        done.set(row);
        failed++;
        pending.add(MergeDraft.JSON.createObjectNode().put("row", row).put("kind", kind).put("reason", reason).toString());
        return true;
    }

    /** Appends the recorded outcomes to {@code outcomes.ndjson}, synced. */
    void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String line : pending) {
            sb.append(line).append('\n');
        }
        try (FileChannel out = FileChannel.open(dir.resolve(OUTCOMES), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(false);
        }
        pending.clear();
    }

    /** Reads {@code outcomes.ndjson} back (at a resume). */
    void loadOutcomes() throws IOException {
        Path file = dir.resolve(OUTCOMES);
        if (!Files.exists(file)) {
            return;
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode node = parseLine(line);
                if (node == null) {
                    continue; // the last line, cut by a crash
                }
                int row = node.get("row").asInt();
                if (done.get(row)) {
                    continue;
                }
                done.set(row);
                if (node.has("sent")) {
                    sent++;
                } else if (node.has("preview")) {
                    previewed++;
                } else {
                    failed++;
                }
            }
        }
    }

    private static JsonNode parseLine(String line) {
        try {
            JsonNode node = MergeDraft.JSON.readTree(line);
            return node != null && node.has("row") ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Writes {@code <base>.summary.json} into the outcome folder: rows, sent, failed [{row, kind, reason}],
     * startedAt, finishedAt — streamed from {@code outcomes.ndjson}, a row counted once.
     */
    Path writeSummary(OffsetDateTime finishedAt) throws IOException {
        Path folder = folder();
        Files.createDirectories(folder);
        Path summary = folder.resolve(base() + ".summary.json");
        Path tmp = folder.resolve("." + base() + ".summary.json.tmp");
        try (OutputStream out = Files.newOutputStream(tmp);
             JsonGenerator json = MergeDraft.JSON.getFactory().createGenerator(out)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeStringField("draft", journal.name());
            json.writeNumberField("rows", journal.rows());
            json.writeNumberField("sent", sent);
            if (journal.preview()) {
                json.writeNumberField("previewed", previewed);
            }
            json.writeArrayFieldStart("failed");
            Path file = dir.resolve(OUTCOMES);
            if (Files.exists(file)) {
                BitSet seen = new BitSet();
                try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        JsonNode node = parseLine(line);
                        if (node == null || seen.get(node.get("row").asInt())) {
                            continue;
                        }
                        seen.set(node.get("row").asInt());
                        if (node.has("kind")) {
                            json.writeStartObject();
                            json.writeNumberField("row", node.get("row").asInt());
                            json.writeStringField("kind", node.get("kind").asText());
                            json.writeStringField("reason", node.get("reason").asText());
                            json.writeEndObject();
                        }
                    }
                }
            }
            json.writeEndArray();
            json.writeStringField("startedAt", journal.startedAt());
            json.writeStringField("finishedAt", finishedAt.toString());
            json.writeEndObject();
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, summary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StateFiles.syncFolder(folder);
        return summary;
    }
}
