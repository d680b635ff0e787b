package dev.outboxmailer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The bench's own files. A 1 KB scenario leaves 25,000 drafts and receipts behind (about 100 MB on disk),
 * and a whole run several GB; they were never removed. Now the disk's write-back of a scenario is waited for
 * once it is measured ({@link #settle()}), so that the next one does not share the disk with it, and the
 * whole work folder is removed when the bench ends ({@link #remove(Path)}). Not between scenarios: on an ext4
 * without a journal (this machine's) a new file's inode is not taken from those freed in the last 30 s, and
 * after 75,000 files were removed, looking past them cost the next scenario's file creations 31 % of the
 * machine.
 */
final class Scratch {
    private Scratch() {
    }

    /** Removes {@code dir} and everything in it, then waits for the disk ({@code sync}). */
    static void remove(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        settle();
    }

    /** Waits until what was written so far is on disk. */
    static void settle() throws IOException {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
