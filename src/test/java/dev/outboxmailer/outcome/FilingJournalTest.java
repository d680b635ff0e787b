package dev.outboxmailer.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the journal writes, it reads back after a restart: begun and never done means unfinished. */
class FilingJournalTest {
    @TempDir
    Path dir;

    @Test
    void anOpenFilingSurvivesARestartAndADoneOneDoesNot() throws Exception {
        Path file = dir.resolve("filing.journal");
        String report = "{\n  \"draft\" : \"a.json\",\n  \"note\" : \"multi-line, as the receipts are written\"\n}";
        OutcomeFolders.Move open = new OutcomeFolders.Move(dir.resolve("a.json"), "a.json", dir.resolve(".sent"), ".receipt.json", report);
        OutcomeFolders.Move done = new OutcomeFolders.Move(dir.resolve("b.json"), "b.json", dir.resolve(".sent"), ".receipt.json", "{}");
        try (FilingJournal journal = new FilingJournal(file)) {
            journal.begin(open);
            long id = journal.begin(done);
            journal.done(id);
        }
        try (FilingJournal restarted = new FilingJournal(file)) {
            List<OutcomeFolders.Move> unfinished = restarted.unfinished();
            assertThat(unfinished).containsExactly(open);
        }
    }
}
