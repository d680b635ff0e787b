package dev.outboxmailer.outcome;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outboxmailer.state.StateFiles;
import dev.outboxmailer.state.StateTrouble;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where drafts end up: {@code .sent/YYYY-MM-DD/} with a receipt, {@code .failed/} with an error report.
 * The draft is moved (renamed, so byte-identical) only after its report is safely on disk, and never over
 * an earlier outcome: a name already taken gets a suffix ({@code report-2.json}), the same for the draft
 * and its report.
 *
 * <p>Crash safety: before anything is written, the intended filing is recorded in the
 * {@link FilingJournal} (synced to disk): for a sent draft that record is what makes "accepted" durable.
 * If the process dies half-way, {@link #recover()} at the next start finishes it. If the filing itself
 * fails (a full disk, a read-only or missing folder, a permission), the filing stays open: it is tried
 * again by {@link #fileAgain()} — never the sending — with one {@code FILING} log line and the health check
 * {@code outbox} DOWN meanwhile, and finished once, when the trouble clears.
 */
public final class OutcomeFolders {
    public static final String SENT = ".sent";
    public static final String FAILED = ".failed";
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeFolders.class);

    private final Path outbox;
    private final FilingJournal journal;
    private final StateTrouble trouble;
    /** Filings that failed, by the draft file, with their journal id (-1 when the journal took none). */
    private final Map<Path, Unfiled> unfiled = new LinkedHashMap<>();
    /** The folders filed into so far ({@code .sent/<day>/}, {@code .failed/}), made or found there. */
    private final Set<Path> madeFolders = ConcurrentHashMap.newKeySet();
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private record Unfiled(Move move, long journalId) {}

    public OutcomeFolders(Path outbox, StateTrouble trouble) throws IOException {
        this.outbox = outbox;
        this.trouble = trouble;
        this.journal = new FilingJournal(outbox.resolve(".state").resolve("filing.journal"));
    }

    /**
     * Files the draft under {@code .sent/<day>/} as {@code name}, beside its receipt. Returns where the draft
     * went, or null when the filing failed and waits to be done again by {@link #fileAgain()}.
     */
    public Path sent(Path draft, String name, Receipt receipt, LocalDate day) throws IOException {
        return file(new Move(draft, name, outbox.resolve(SENT).resolve(day.toString()), ".receipt.json",
                json.writeValueAsString(receipt)));
    }

    /** Files the draft under {@code .failed/} beside its error report; as {@link #sent}. */
    public Path failed(Path draft, String name, ErrorReport report) throws IOException {
        return file(new Move(draft, name, outbox.resolve(FAILED), ".error.json", json.writeValueAsString(report)));
    }

    /** An intended move, as recorded before it starts. */
    record Move(Path draft, String name, Path folder, String reportSuffix, String report) {
        String draftName() {
            return name != null ? name : draft.getFileName().toString(); // journals of earlier versions have no name
        }
    }

    private Path file(Move move) {
        long id = -1;
        try {
            id = journal.begin(move);
            Path target = carryOut(move, false);
            journal.done(id);
            return target;
        } catch (IOException e) {
            synchronized (this) {
                unfiled.put(move.draft(), new Unfiled(move, id));
            }
            troubleWith(move, e);
            return null;
        }
    }

    /** Tries the filings that failed again; returns the draft files (as they were claimed) now filed. */
    public List<Path> fileAgain() {
        List<Unfiled> waiting;
        synchronized (this) {
            if (unfiled.isEmpty()) {
                return List.of();
            }
            waiting = new ArrayList<>(unfiled.values());
        }
        List<Path> filed = new ArrayList<>();
        for (Unfiled u : waiting) {
            try {
                long id = u.journalId() >= 0 ? u.journalId() : journal.begin(u.move());
                Path target = carryOut(u.move(), true);
                journal.done(id);
                synchronized (this) {
                    unfiled.remove(u.move().draft());
                }
                filed.add(u.move().draft());
                LOG.info("FILED {} as {} (its filing had failed; it was not sent again)", u.move().draftName(), target);
            } catch (IOException e) {
                troubleWith(u.move(), e);
                return filed;
            }
        }
        if (trouble.clear(outbox)) {
            LOG.info("FILING works again in {}: every waiting outcome is filed", outbox);
        }
        return filed;
    }

    private void troubleWith(Move move, IOException e) {
        String reason = "outcomes cannot be filed in " + move.folder() + ": " + describe(e)
                + "; accepted mail is not sent again, its filing is retried until it works";
        if (trouble.report(outbox, reason)) {
            LOG.error("FILING {}: {}", move.draftName(), reason);
        } else {
            LOG.debug("Filing {} failed again: {}", move.draftName(), describe(e));
        }
    }

    private static String describe(IOException e) {
        String what = e.getClass().getSimpleName();
        return e.getMessage() == null ? what : what + " " + e.getMessage();
    }

    /**
     * Finishes the filings a crash interrupted. Called once at start, before any draft is picked up. Returns the
     * draft files whose filing still fails (they stay open and are tried again by {@link #fileAgain()}).
     */
    public Set<Path> recover() throws IOException {
        List<Move> stillOpen = new ArrayList<>();
        for (Move move : journal.unfinished()) {
            if (!isOurs(move)) {
                LOG.warn("The filing journal names a move outbox-mailer does not make ({} to {}); it is ignored",
                        move.draft(), move.folder());
                continue;
            }
            if (!Files.exists(move.draft())) {
                continue; // filed before the crash (or the draft vanished); its receipt, if any, is written
            }
            try {
                Path target = carryOut(move, true);
                LOG.warn("Finished filing {} as {} after an interrupted run", move.draftName(), target);
            } catch (IOException e) {
                stillOpen.add(move);
                troubleWith(move, e);
            }
        }
        List<Long> ids = journal.restart(stillOpen);
        Set<Path> drafts = new HashSet<>();
        synchronized (this) {
            for (int i = 0; i < stillOpen.size(); i++) {
                Move move = stillOpen.get(i);
                unfiled.put(move.draft(), new Unfiled(move, ids.get(i)));
                drafts.add(move.draft());
            }
        }
        return drafts;
    }

    /**
     * The journal is a file in the outbox, so it may have been written by anyone who can drop a draft: a move is
     * carried out again only when it is one this class makes — a claimed draft (or, from earlier versions, a
     * draft at the top of the outbox), by a plain name, into this outbox's {@code .sent/<day>/} or {@code .failed/}.
     */
    private boolean isOurs(Move move) {
        Path draft = move.draft().toAbsolutePath().normalize();
        Path folder = move.folder().toAbsolutePath().normalize();
        Path root = outbox.toAbsolutePath().normalize();
        boolean claimed = draft.getParent() != null && (draft.getParent().equals(root.resolve(".state").resolve("claims"))
                || draft.getParent().equals(root));
        boolean sent = folder.getParent() != null && folder.getParent().equals(root.resolve(SENT))
                && folder.getFileName().toString().matches("\\d{4}-\\d{2}-\\d{2}") && move.reportSuffix().equals(".receipt.json");
        boolean failed = folder.equals(root.resolve(FAILED)) && move.reportSuffix().equals(".error.json");
        String name = move.draftName();
        boolean plainName = !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..");
        return claimed && (sent || failed) && plainName;
    }

    /**
     * Claims a free name, writes the report, moves the draft. When {@code resuming} a filing that was begun
     * before, a report file that is empty or already holds this very report is this move's own claim.
     */
    private Path carryOut(Move move, boolean resuming) throws IOException {
        String name = move.draftName();
        for (int n = 1; ; n++) {
            String candidate = n == 1 ? name : StateFiles.withSuffix(name, n);
            Path reportFile = move.folder().resolve(candidate + move.reportSuffix());
            Path target = move.folder().resolve(candidate);
            if (Files.exists(target)) {
                continue;
            }
            try {
                claimName(move.folder(), reportFile);
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
                // the claimed file was deleted behind our back: the outcome (the server took it) still counts
                LOG.warn("The draft {} was gone when it was filed; its report {} is filed without it",
                        move.draft(), reportFile.getFileName());
            }
            return target;
        }
    }

    /**
     * Creates the empty report file that claims a name, atomically. Its folder is made the first time (a day's
     * folder once a day, not once a draft: {@code createDirectories} on a folder that exists costs a failed
     * {@code mkdir} and two exceptions), and again when someone removed it since.
     */
    private void claimName(Path folder, Path reportFile) throws IOException {
        if (!madeFolders.contains(folder)) {
            Files.createDirectories(folder);
            madeFolders.add(folder);
        }
        try {
            Files.createFile(reportFile);
        } catch (NoSuchFileException folderGone) {
            Files.createDirectories(folder);
            Files.createFile(reportFile);
        }
    }

    private static boolean isOwnClaim(Path reportFile, String report) throws IOException {
        return Files.size(reportFile) == 0 || Files.readString(reportFile).equals(report);
    }
}
