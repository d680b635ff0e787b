package dev.outboxmailer.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import dev.outboxmailer.state.StateTrouble;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Camel health check {@code outbox-mailer/outbox}: DOWN, with the reason, while outcomes cannot be recorded
 * (a receipt that could not be filed, a retry record the disk refused), or when a watched folder is gone or
 * cannot take a file: proved by writing a few kilobytes (not an empty file: a full disk still takes those)
 * into its {@code .state/}, {@code .sent/} and {@code .failed/}.
 */
public final class FolderHealthCheck extends AbstractHealthCheck {
    private static final byte[] PROBE = new byte[4096];
    private final Set<Path> folders = new CopyOnWriteArraySet<>();
    private final StateTrouble trouble;

    public FolderHealthCheck(StateTrouble trouble) {
        super("outbox-mailer", "outbox");
        this.trouble = trouble;
    }

    public void watch(Path folder) {
        folders.add(folder.toAbsolutePath().normalize());
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("folders", folders.toString());
        String recording = trouble.problem();
        if (recording != null) {
            builder.message(recording).detail("reason", recording).down();
            return;
        }
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
        // .state always; the outcome folders where they exist (a check does not create them), else the outbox
        for (String sub : new String[] {".state", ".sent", ".failed"}) {
            Path place = folder.resolve(sub);
            if (!sub.equals(".state") && !Files.exists(place)) {
                place = folder;
            }
            try {
                if (sub.equals(".state")) {
                    Files.createDirectories(place);
                }
                Path probe = Files.createTempFile(place, ".health", ".probe");
                try {
                    Files.write(probe, PROBE);
                } finally {
                    Files.delete(probe);
                }
            } catch (IOException e) {
                return "the outbox folder " + place + " cannot take a file: " + e.getClass().getSimpleName() + " " + e.getMessage();
            }
        }
        return null;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }
}
