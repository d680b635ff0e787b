package dev.outboxmailer.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health check {@code outbox-mailer/outbox}: DOWN, naming the folder, when a watched folder is gone or
 * cannot be written to (drafts could not be filed under {@code .sent}/{@code .failed}). Proved by writing
 * and deleting a small file in the folder's {@code .state/}.
 */
public final class FolderHealthCheck extends AbstractHealthCheck {
    private final Set<Path> folders = new CopyOnWriteArraySet<>();

    public FolderHealthCheck() {
        super("outbox-mailer", "outbox");
    }

    public void watch(Path folder) {
        folders.add(folder.toAbsolutePath().normalize());
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("folders", folders.toString());
        for (Path folder : folders) {
            String problem = writable(folder);
            if (problem != null) {
                builder.message(problem).detail("reason", problem).down();
                return;
            }
        }
        builder.up();
    }

    private static String writable(Path folder) {
        if (!Files.isDirectory(folder)) {
            return "the outbox folder " + folder + " does not exist";
        }
        try {
            Path state = Files.createDirectories(folder.resolve(".state"));
            Path probe = Files.createTempFile(state, "health", ".probe");
            Files.delete(probe);
            return null;
        } catch (IOException e) {
            return "the outbox folder " + folder + " is not writable: " + e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }

    @Override
    public boolean isLiveness() {
        return false;
    }
}
