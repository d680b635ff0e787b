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

    @Test
    void aFilingLeftOpenKeepsItsRecordAndTheJournalIsEmptiedOnceNothingIsOpen() throws Exception {
        Path file = dir.resolve("filing.journal");
        String report = "x".repeat(1000);
        try (FilingJournal journal = new FilingJournal(file)) {
            long stuck = journal.begin(new OutcomeFolders.Move(dir.resolve("stuck.json"), "stuck.json", dir, ".receipt.json", report));
            for (int i = 0; i < 200; i++) { // well past the size at which an idle journal is emptied
                journal.done(journal.begin(new OutcomeFolders.Move(dir.resolve(i + ".json"), i + ".json", dir, ".receipt.json", report)));
            }
            assertThat(java.nio.file.Files.size(file)).as("not emptied while a filing is open").isGreaterThan(FilingJournal.TRUNCATE_ABOVE);
            try (FilingJournal afterACrash = new FilingJournal(file)) {
                assertThat(afterACrash.unfinished()).extracting(OutcomeFolders.Move::name).containsExactly("stuck.json");
            }
            journal.done(stuck); // the filing that had failed is done at last
            assertThat(java.nio.file.Files.size(file)).as("emptied once nothing is open").isZero();
        }
    }

    @Test
    void pathsAreWrittenAsPlainNamesAndTheUrisOfEarlierVersionsAreStillRead() throws Exception {
        Path file = dir.resolve("filing.journal");
        Path odd = java.nio.file.Files.createDirectories(dir.resolve("mail: box ü"));
        OutcomeFolders.Move move = new OutcomeFolders.Move(odd.resolve("a b.eml"), "a b.eml", odd.resolve(".sent"), ".receipt.json", "{}");
        try (FilingJournal journal = new FilingJournal(file)) {
            journal.begin(move);
        }
        assertThat(java.nio.file.Files.readString(file)).contains("\"draft\":\"" + odd.resolve("a b.eml") + "\"")
                .doesNotContain("file:");
        String earlier = "B 9 " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                new OutcomeFolders.Move(odd.resolve("c.eml"), "c.eml", odd.resolve(".sent"), ".receipt.json", "{}")) + "\n";
        assertThat(earlier).contains("file:///"); // Jackson's own form, as the journals of earlier versions hold
        java.nio.file.Files.writeString(file, earlier, java.nio.file.StandardOpenOption.APPEND);

        try (FilingJournal restarted = new FilingJournal(file)) {
            assertThat(restarted.unfinished()).containsExactly(move,
                    new OutcomeFolders.Move(odd.resolve("c.eml"), "c.eml", odd.resolve(".sent"), ".receipt.json", "{}"));
        }
    }
}
