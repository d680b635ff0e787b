package dev.outboxmailer.console;

import dev.outboxmailer.bounce.Suppression;
import dev.outboxmailer.outcome.OutcomeFolders;
import dev.outboxmailer.state.StateFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The console's actions: each changes files the way an operator's shell would, and says what it did. */
final class ConsoleActions {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleActions.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** What an action did (ok) or why it did nothing. */
    record Result(boolean ok, int status, String message) {}

    private final Path outbox;
    private final Suppression suppression;
    private final Clock clock;

    ConsoleActions(Path outbox, Suppression suppression, Clock clock) {
        this.outbox = outbox;
        this.suppression = suppression;
        this.clock = clock;
    }

    /**
     * Send again (SPEC §14): the failed draft, as it is now in {@code .failed/} (it may have been fixed there), goes
     * back into the outbox under its name ({@code name-2…} when a new draft has it), and its error report into
     * {@code .failed/.history/}, stamped. The outbox picks it up like any dropped draft.
     */
    synchronized Result sendAgain(String name) {
        if (!plainName(name)) {
            return new Result(false, 400, "not the name of a failed draft: " + name);
        }
        Path failed = outbox.resolve(OutcomeFolders.FAILED);
        Path draft = failed.resolve(name);
        if (!Files.isRegularFile(draft, LinkOption.NOFOLLOW_LINKS)) {
            return new Result(false, 404, "there is no failed draft " + name + " in " + failed + " (sent again already?)");
        }
        Path report = failed.resolve(name + ".error.json");
        Path kept = null;
        try {
            if (Files.exists(report, LinkOption.NOFOLLOW_LINKS)) {
                Path history = Files.createDirectories(failed.resolve(".history"));
                String stamp = STAMP.format(clock.instant());
                for (int n = 1; kept == null; n++) {
                    Path candidate = history.resolve(name + "." + stamp + (n == 1 ? "" : "-" + n) + ".error.json");
                    try {
                        Files.createLink(candidate, report); // never replaces an earlier report (a rename would)
                        Files.delete(report);
                        kept = candidate;
                    } catch (FileAlreadyExistsException taken) {
                        // the next name
                    }
                }
            }
            Path target = null;
            for (int n = 1; target == null; n++) {
                Path candidate = outbox.resolve(n == 1 ? name : StateFiles.withSuffix(name, n));
                try {
                    Files.createLink(candidate, draft); // fails, atomically, where a draft has the name already
                    target = candidate;
                } catch (FileAlreadyExistsException taken) {
                    // the next name
                }
            }
            Files.delete(draft);
            StateFiles.syncFolder(outbox);
            LOG.info("SEND AGAIN: {} moved from {} back into the outbox as {}{}", name, failed, target.getFileName(),
                    kept == null ? "" : "; its error report is kept as " + outbox.relativize(kept));
            return new Result(true, 200, name + " is back in the outbox as " + target.getFileName()
                    + " and will be sent again" + (kept == null ? "" : "; its error report is kept in .failed/.history/"));
        } catch (IOException e) {
            if (kept != null && !Files.exists(report)) {
                try {
                    Files.move(kept, report, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException ignored) {
                    // the report stays in .history/
                }
            }
            return new Result(false, 500, "could not move " + name + " back into the outbox: " + e.getMessage());
        }
    }

    /** Releases a suppressed address: it receives mail again. */
    synchronized Result release(String address) {
        if (address == null || address.isBlank() || !address.contains("@")) {
            return new Result(false, 400, "not an address: " + address);
        }
        try {
            if (!suppression.release(address)) {
                return new Result(false, 404, address + " is not on the suppression list");
            }
            LOG.info("RELEASED: {} is off the suppression list {}", address, suppression.file());
            return new Result(true, 200, address.strip() + " is released: drafts to it are sent again");
        } catch (IOException e) {
            return new Result(false, 500, "could not release " + address + ": " + e.getMessage());
        }
    }

    static boolean plainName(String name) {
        return name != null && !name.isEmpty() && !name.startsWith(".") && !name.contains("/") && !name.contains("\\")
                && !name.contains("\0") && !name.endsWith(".error.json");
    }
}
