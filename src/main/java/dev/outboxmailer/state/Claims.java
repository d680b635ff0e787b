package dev.outboxmailer.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbox's claimed drafts, in {@code .state/claims/}. A draft is claimed by renaming it there (atomic,
 * on the same file system, so a claimed draft is either still in the outbox or here, never both and never
 * half): nobody can change its bytes under the sender any more, and the name in the outbox is free.
 */
public final class Claims {
    private static final Logger LOG = LoggerFactory.getLogger(Claims.class);
    public static final String FOLDER = "claims";

    private final Path outbox;
    private final Path folder;
    /** Ids are the start time and a counter: unique within the outbox, also across restarts. */
    private final String prefix = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicLong counter = new AtomicLong();

    public Claims(Path outbox) throws IOException {
        this.outbox = outbox;
        this.folder = Files.createDirectories(outbox.resolve(".state").resolve(FOLDER));
    }

    public Path folder() {
        return folder;
    }

    /**
     * Claims the draft at {@code draft} (a file at the top of the outbox).
     *
     * @throws java.nio.file.NoSuchFileException when it is gone: another scan claimed it, or its user took it
     */
    public Claim claim(Path draft) throws IOException {
        String name = draft.getFileName().toString();
        String id = prefix + "-" + Long.toString(counter.incrementAndGet(), 36);
        Path target = folder.resolve(id + Claim.SEPARATOR + name);
        Files.move(draft, target, StandardCopyOption.ATOMIC_MOVE);
        return new Claim(id, name, target);
    }

    /** Every claim in the folder (at start: what the last run left). */
    public List<Claim> all() throws IOException {
        List<Claim> claims = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                Claim claim = Claim.of(file);
                if (claim != null && !file.getFileName().toString().startsWith(".")
                        && !Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    claims.add(claim);
                }
            }
        }
        return claims;
    }

    /**
     * Gives a claim back to the outbox, untouched, under its name (or {@code name-2…} when a new draft has taken
     * the name), to be picked up again like any dropped draft: one the last run claimed but had not sent when it
     * stopped, or one held back by an operator problem. Returns where it went.
     */
    public Path release(Claim claim) throws IOException {
        Path target;
        for (int n = 1; ; n++) {
            target = outbox.resolve(n == 1 ? claim.name() : StateFiles.withSuffix(claim.name(), n));
            try {
                Files.createLink(target, claim.file()); // fails, atomically, where a new draft has the name
                break;
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // the next name
            }
        }
        Files.delete(claim.file());
        LOG.debug("{} is back in the outbox as {}, untouched", claim.name(), target.getFileName());
        return target;
    }
}
