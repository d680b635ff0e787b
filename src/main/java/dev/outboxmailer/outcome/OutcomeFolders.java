package dev.outboxmailer.outcome;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;

/**
 * Where drafts end up: {@code .sent/YYYY-MM-DD/} with a receipt, {@code .failed/} with an error report.
 * The draft is moved (renamed, so byte-identical) only after its report is safely on disk, and never over
 * an earlier outcome: a name already taken gets a suffix ({@code report-2.json}), the same for the draft
 * and its report.
 */
public final class OutcomeFolders {
    public static final String SENT = ".sent";
    public static final String FAILED = ".failed";

    private final Path outbox;
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public OutcomeFolders(Path outbox) {
        this.outbox = outbox;
    }

    /** Files the draft under {@code .sent/<day>/} beside its receipt; returns where the draft went. */
    public Path sent(Path draft, Receipt receipt, LocalDate day) throws IOException {
        return file(draft, outbox.resolve(SENT).resolve(day.toString()), ".receipt.json", receipt);
    }

    /** Files the draft under {@code .failed/} beside its error report; returns where the draft went. */
    public Path failed(Path draft, ErrorReport report) throws IOException {
        return file(draft, outbox.resolve(FAILED), ".error.json", report);
    }

    private Path file(Path draft, Path folder, String reportSuffix, Object report) throws IOException {
        Files.createDirectories(folder);
        String name = draft.getFileName().toString();
        Path tmp = Files.createTempFile(folder, ".report-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
                json.writeValue(out, report);
            }
            force(tmp);
            for (int n = 1; ; n++) {
                String candidate = n == 1 ? name : withSuffix(name, n);
                Path reportFile = folder.resolve(candidate + reportSuffix);
                Path target = folder.resolve(candidate);
                if (Files.exists(target)) {
                    continue;
                }
                try {
                    Files.createFile(reportFile); // claims the name, atomically
                } catch (FileAlreadyExistsException taken) {
                    continue;
                }
                Files.move(tmp, reportFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.move(draft, target, StandardCopyOption.ATOMIC_MOVE);
                force(folder);
                return target;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@code report.json} → {@code report-2.json}; {@code README} → {@code README-2}. */
    static String withSuffix(String name, int n) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name + "-" + n : name.substring(0, dot) + "-" + n + name.substring(dot);
    }

    private static void force(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // a folder cannot be synced on every platform; the rename is still atomic
        }
    }
}
