package dev.outboxmailer.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How {@code .state/} files are written and set aside: atomically, synced, and never deleted when unreadable. */
public final class StateFiles {
    private static final Logger LOG = LoggerFactory.getLogger(StateFiles.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    private StateFiles() {}

    /**
     * Replaces {@code file} with {@code content} so that a crash leaves the old or the new content, never a
     * mix: written to a temporary file, synced, renamed over it, and the folder synced.
     */
    public static void writeAtomically(Path file, byte[] content) throws IOException {
        Path folder = file.getParent();
        Files.createDirectories(folder);
        Path tmp = folder.resolve("." + file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncFolder(folder);
    }

    /** Makes the renames and deletions in a folder durable. */
    public static void syncFolder(Path folder) throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a folder; the rename itself is still atomic
            LOG.debug("Cannot sync the folder {}: {}", folder, e.getMessage());
        }
    }

    /**
     * Keeps an unreadable state file for a person to look at, as {@code <name>.corrupt-<time>}, with one
     * warning saying what happens instead; returns where it went.
     */
    public static Path setAside(Path file, String problem, String consequence, Clock clock) {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + STAMP.format(clock.instant()));
        for (int n = 2; Files.exists(aside); n++) {
            aside = file.resolveSibling(file.getFileName() + ".corrupt-" + STAMP.format(clock.instant()) + "-" + n);
        }
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("The state file {} cannot be used ({}); kept as {}; {}", file, problem, aside.getFileName(), consequence);
        } catch (IOException e) {
            LOG.warn("The state file {} cannot be used ({}) nor set aside ({}); {}", file, problem, e.getMessage(), consequence);
        }
        return aside;
    }

    /** {@code report.json} → {@code report-2.json}; {@code README} → {@code README-2}. */
    public static String withSuffix(String name, int n) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name + "-" + n : name.substring(0, dot) + "-" + n + name.substring(dot);
    }
}
