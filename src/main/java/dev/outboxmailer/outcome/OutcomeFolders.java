package dev.outboxmailer.outcome;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where drafts end up: {@code .sent/YYYY-MM-DD/} with a receipt, {@code .failed/} with an error report.
 * The draft is moved (renamed, so byte-identical) only after its report is safely on disk, and never over
 * an earlier outcome: a name already taken gets a suffix ({@code report-2.json}), the same for the draft
 * and its report.
 *
 * <p>Crash safety: before anything is written, the intended filing is recorded in the
 * {@link FilingJournal} (synced to disk). If the process dies half-way, {@link #recover()} at the next
 * start finishes it, so a draft the server already accepted is not picked up and sent again.
 */
public final class OutcomeFolders {
    public static final String SENT = ".sent";
    public static final String FAILED = ".failed";
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeFolders.class);

    private final Path outbox;
    private final FilingJournal journal;
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public OutcomeFolders(Path outbox) throws IOException {
        this.outbox = outbox;
        this.journal = new FilingJournal(outbox.resolve(".state").resolve("filing.journal"));
    }

    /** Files the draft under {@code .sent/<day>/} beside its receipt; returns where the draft went. */
    public Path sent(Path draft, Receipt receipt, LocalDate day) throws IOException {
        return file(draft, outbox.resolve(SENT).resolve(day.toString()), ".receipt.json", receipt);
    }

    /** Files the draft under {@code .failed/} beside its error report; returns where the draft went. */
    public Path failed(Path draft, ErrorReport report) throws IOException {
        return file(draft, outbox.resolve(FAILED), ".error.json", report);
    }

    /** An intended move, as recorded before it starts. */
    record Move(Path draft, Path folder, String reportSuffix, String report) {}

    private Path file(Path draft, Path folder, String reportSuffix, Object report) throws IOException {
        Move move = new Move(draft, folder, reportSuffix, json.writeValueAsString(report));
        long id = journal.begin(move);
        Path target = carryOut(move, false);
        journal.done(id);
        return target;
    }

    /** Finishes the filings a crash interrupted. Called once at start, before any draft is picked up. */
    public void recover() throws IOException {
        for (Move move : journal.unfinished()) {
            if (Files.exists(move.draft())) {
                Path target = carryOut(move, true);
                LOG.warn("Finished filing {} as {} after an interrupted run", move.draft().getFileName(), target);
            }
        }
        journal.clear();
    }

    /**
     * Claims a free name, writes the report, moves the draft. When {@code resuming} an interrupted move,
     * a report file that is empty or already holds this very report is this move's own claim.
     */
    private Path carryOut(Move move, boolean resuming) throws IOException {
        Files.createDirectories(move.folder());
        String name = move.draft().getFileName().toString();
        for (int n = 1; ; n++) {
            String candidate = n == 1 ? name : withSuffix(name, n);
            Path reportFile = move.folder().resolve(candidate + move.reportSuffix());
            Path target = move.folder().resolve(candidate);
            if (Files.exists(target)) {
                continue;
            }
            try {
                Files.createFile(reportFile); // claims the name, atomically
            } catch (FileAlreadyExistsException taken) {
                if (!(resuming && isOwnClaim(reportFile, move.report()))) {
                    continue;
                }
            }
            // No fsync from here on: the synced journal record is what makes the filing durable. A crash
            // (even of the machine) before the journal is emptied makes recover() write all this again; on
            // journaling file systems (ext4's default data=ordered) renames and the journal's truncation
            // reach the disk in program order, and a file's data before the rename that names it.
            Path tmp = move.folder().resolve("." + candidate + move.reportSuffix() + ".tmp");
            Files.writeString(tmp, move.report());
            Files.move(tmp, reportFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(move.draft(), target, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException gone) {
                throw new IOException("the draft " + move.draft() + " vanished before it could be filed", gone);
            }
            return target;
        }
    }

    private static boolean isOwnClaim(Path reportFile, String report) throws IOException {
        return Files.size(reportFile) == 0 || Files.readString(reportFile).equals(report);
    }

    /** {@code report.json} → {@code report-2.json}; {@code README} → {@code README-2}. */
    static String withSuffix(String name, int n) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name + "-" + n : name.substring(0, dot) + "-" + n + name.substring(dot);
    }


}
