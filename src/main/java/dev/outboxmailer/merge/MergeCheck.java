package dev.outboxmailer.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.compose.MergeParts;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code check} command's look at a merge draft (SPEC §13): the draft itself, its rows file (relative to the
 * draft's folder, as to the outbox), and every row rendered and composed exactly as a run would, nothing sent.
 * Returns the problems, each a line: {@code invalid-draft: …} for the draft, {@code row 7 (invalid-draft): …}.
 */
public final class MergeCheck {
    private static final int MAX_LINES = 100;

    private MergeCheck() {}

    public static List<String> problems(Path file, Composer composer) {
        List<String> problems = new ArrayList<>();
        Path folder = file.toAbsolutePath().getParent();
        Path copy = null;
        try {
            MergeDraft draft = MergeDraft.read(file.getFileName().toString(), Files.readAllBytes(file),
                    new RowTemplate.Settings(folder, Long.MAX_VALUE / 4));
            RowSource.Format format;
            copy = Files.createTempFile("merge-check", ".rows");
            if (draft.inlineRows() != null) {
                format = RowSource.Format.NDJSON;
                try (OutputStream out = Files.newOutputStream(copy)) {
                    for (var row : draft.inlineRows()) {
                        out.write(MergeDraft.JSON.writeValueAsBytes(row));
                        out.write('\n');
                    }
                }
            } else {
                format = RowSource.Format.of(draft.rowsPath());
                try (MergeParts.Opened rows = MergeParts.open(folder, Long.MAX_VALUE / 4, 0, draft.rowsPath(), null,
                        "text/plain"); OutputStream out = Files.newOutputStream(copy)) {
                    rows.stream().transferTo(out);
                } catch (InvalidDraftException e) {
                    throw new InvalidDraftException(e.getMessage().replace("\"attachments[0].path\"", "\"rows\""));
                }
            }
            try (RowSource rows = RowSource.open(copy, format)) {
                for (RowSource.Row row = rows.next(); row != null && problems.size() < MAX_LINES; row = rows.next()) {
                    String problem = row.problem();
                    if (problem == null) {
                        try {
                            ObjectNode envelope = draft.template().render(row.values(), "<check." + row.number() + "@localhost>");
                            try (Draft d = new Draft("row-" + row.number() + ".json",
                                    MergeDraft.JSON.writeValueAsBytes(envelope), folder)) {
                                composer.compose(d);
                            }
                        } catch (RowTemplate.RowException | InvalidDraftException e) {
                            problem = e.getMessage();
                        }
                    }
                    if (problem != null) {
                        problems.add("row " + row.number() + " (invalid-draft): " + problem);
                    }
                }
            } catch (RowSource.Unreadable e) {
                problems.add("invalid-draft: \"rows\" cannot be read as " + format.name()
                        + (e.after > 0 ? " after row " + e.after : "") + ": " + e.getMessage());
            }
        } catch (InvalidDraftException e) {
            problems.add("invalid-draft: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            problems.add("invalid-draft: " + e.getMessage());
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    // a temporary file
                }
            }
        }
        return problems;
    }
}
