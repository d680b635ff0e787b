package dev.outboxmailer.observe;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The drafts waiting in the watched folders: regular files at the top level whose names do not start with
 * {@code .} or end in {@code .tmp}/{@code .part} (what intake would pick up), and the claimed ones not done yet
 * (in {@code .state/claims/}: on their way, or waiting for a retry). Counted by listing the folders, at most
 * once a second however often it is asked.
 */
public final class Backlog {
    private static final Duration FRESH = Duration.ofSeconds(1);

    /** What is waiting: how many drafts, and how long the oldest (by its file time) has been there. */
    public record Snapshot(int pending, Duration oldestAge) {}

    private final Set<Path> folders = new CopyOnWriteArraySet<>();
    private final Clock clock;
    private Snapshot last = new Snapshot(0, Duration.ZERO);
    private Instant lastAt = Instant.MIN;

    public Backlog(Clock clock) {
        this.clock = clock;
    }

    public void watch(Path folder) {
        folders.add(folder.toAbsolutePath().normalize());
    }

    public synchronized Snapshot snapshot() {
        Instant now = clock.instant();
        if (now.isBefore(lastAt.plus(FRESH))) {
            return last;
        }
        int pending = 0;
        Instant oldest = now;
        List<Path> places = new ArrayList<>();
        for (Path folder : folders) {
            places.add(folder);
            places.add(folder.resolve(".state").resolve("claims"));
        }
        for (Path folder : places) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (name.startsWith(".") || name.endsWith(".tmp") || name.endsWith(".part")) {
                        continue;
                    }
                    BasicFileAttributes attributes;
                    try {
                        attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    } catch (IOException gone) {
                        continue; // filed while we looked
                    }
                    if (attributes.isRegularFile()) {
                        pending++;
                        Instant modified = attributes.lastModifiedTime().toInstant();
                        if (modified.isBefore(oldest)) {
                            oldest = modified;
                        }
                    }
                }
            } catch (IOException e) {
                // a folder that cannot be listed shows in the health check, not here
            }
        }
        last = new Snapshot(pending, pending == 0 ? Duration.ZERO : Duration.between(oldest, now));
        lastAt = now;
        return last;
    }
}
