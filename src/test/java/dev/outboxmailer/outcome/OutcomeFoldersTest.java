package dev.outboxmailer.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import dev.outboxmailer.state.StateFiles;
import dev.outboxmailer.state.StateTrouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filing drafts with their reports, and finishing a filing that a crash interrupted. */
class OutcomeFoldersTest {
    @TempDir
    Path outbox;

    static Receipt receipt(String draft) {
        return new Receipt(draft, "<id@example.com>", List.of("bob@example.org"), List.of(), List.of(), OffsetDateTime.now(), 1);
    }

    @Test
    void aDraftIsMovedByteIdenticalBesideItsReceipt() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xff, '\r', '\n'};
        Path draft = Files.write(outbox.resolve("a.eml"), bytes);
        Path filed = folders().sent(draft, "a.eml", receipt("a.eml"), LocalDate.of(2026, 11, 27));

        assertThat(filed).isEqualTo(outbox.resolve(".sent/2026-11-27/a.eml"));
        assertThat(Files.readAllBytes(filed)).isEqualTo(bytes);
        assertThat(Files.readString(outbox.resolve(".sent/2026-11-27/a.eml.receipt.json"))).contains("<id@example.com>");
        assertThat(draft).doesNotExist();
        assertThat(Files.readString(outbox.resolve(".state/filing.journal"))).startsWith("B 1 ").endsWith("D 1\n");
    }

    @Test
    void aDayFolderRemovedBetweenTwoFilingsIsMadeAgain() throws Exception {
        OutcomeFolders folders = folders();
        LocalDate day = LocalDate.of(2026, 11, 27);
        folders.sent(Files.writeString(outbox.resolve("first.eml"), "1"), "first.eml", receipt("first.eml"), day);
        Path folder = outbox.resolve(".sent/2026-11-27");
        try (var filed = Files.list(folder)) {
            for (Path p : filed.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(folder); // an operator tidying up while the mailer runs

        Path second = folders.sent(Files.writeString(outbox.resolve("second.eml"), "2"), "second.eml", receipt("second.eml"), day);

        assertThat(second).isEqualTo(folder.resolve("second.eml")).hasContent("2");
        assertThat(Files.readString(folder.resolve("second.eml.receipt.json"))).contains("second.eml");
    }

    @Test
    void aFilingInterruptedAfterTheClaimIsFinishedAtTheNextStartUnderTheSameName() throws Exception {
        // the state a kill -9 leaves between claiming the receipt's name and moving the draft
        Path draft = Files.writeString(outbox.resolve("report.json"), "{}");
        Path day = Files.createDirectories(outbox.resolve(".sent/2026-11-27"));
        Files.createFile(day.resolve("report.json.receipt.json"));
        String report = json().writeValueAsString(receipt("report.json"));
        Path journal = Files.createDirectories(outbox.resolve(".state")).resolve("filing.journal");
        Files.writeString(journal, "B 7 " + json().writeValueAsString(new OutcomeFolders.Move(draft, "report.json", day, ".receipt.json", report))
                + "\nB 8 {\"torn\": ");  // a second record the crash cut off mid-write

        folders().recover();

        assertThat(draft).doesNotExist();
        assertThat(day.resolve("report.json")).hasContent("{}");
        assertThat(day.resolve("report.json.receipt.json")).hasContent(report);
        assertThat(day.resolve("report-2.json")).doesNotExist();
        assertThat(journal).isEmptyFile();
    }

    @Test
    void anInterruptedFilingWhoseDraftAlreadyMovedIsJustForgotten() throws Exception {
        Path day = Files.createDirectories(outbox.resolve(".sent/2026-11-27"));
        Files.writeString(day.resolve("done.eml"), "x");
        Path journal = Files.createDirectories(outbox.resolve(".state")).resolve("filing.journal");
        Files.writeString(journal, "B 1 " + json().writeValueAsString(
                new OutcomeFolders.Move(outbox.resolve("done.eml"), null, day, ".receipt.json", "{}")) + "\n");

        folders().recover();

        assertThat(journal).isEmptyFile();
        assertThat(day.resolve("done-2.eml")).doesNotExist();
    }

    @Test
    void aFinishedFilingIsNotReplayed() throws Exception {
        Path draft = Files.writeString(outbox.resolve("again.eml"), "second drop of the same name");
        Path day = Files.createDirectories(outbox.resolve(".sent/2026-11-27"));
        Path journal = Files.createDirectories(outbox.resolve(".state")).resolve("filing.journal");
        Files.writeString(journal, "B 1 " + json().writeValueAsString(
                new OutcomeFolders.Move(draft, "again.eml", day, ".receipt.json", "{}")) + "\nD 1\n");

        folders().recover();

        assertThat(draft).exists(); // a new draft that happens to share the name: not filed without sending
    }

    @Test
    void namesGetASuffixBeforeTheExtension() {
        assertThat(StateFiles.withSuffix("weekly.eml", 2)).isEqualTo("weekly-2.eml");
        assertThat(StateFiles.withSuffix("README", 3)).isEqualTo("README-3");
        assertThat(StateFiles.withSuffix(".profile", 2)).isEqualTo(".profile-2");
    }

    @Test
    void aFilingThatFailsStaysOpenIsRetriedAloneAndTheJournalEmptiesOnceItIsDone() throws Exception {
        StateTrouble trouble = new StateTrouble();
        OutcomeFolders folders = new OutcomeFolders(outbox, trouble);
        Path claimed = Files.writeString(Files.createDirectories(outbox.resolve(".state/claims")).resolve("k1~x.eml"), "x");
        Files.writeString(outbox.resolve(".sent"), "a file where the folder should be");

        assertThat(folders.sent(claimed, "x.eml", receipt("x.eml"), LocalDate.of(2026, 11, 27))).isNull();
        assertThat(trouble.problem()).contains(".sent");
        assertThat(claimed).exists();
        assertThat(folders.fileAgain()).isEmpty(); // still broken

        // a restart meanwhile: the open filing is still there, and still cannot be done
        trouble = new StateTrouble();
        folders = new OutcomeFolders(outbox, trouble);
        assertThat(folders.recover()).containsExactly(claimed);
        assertThat(trouble.problem()).contains(".sent");

        Files.delete(outbox.resolve(".sent"));
        assertThat(folders.fileAgain()).containsExactly(claimed);
        assertThat(trouble.problem()).isNull();
        assertThat(outbox.resolve(".sent/2026-11-27/x.eml")).hasContent("x");
        assertThat(outbox.resolve(".sent/2026-11-27/x.eml-2")).doesNotExist();
        assertThat(new OutcomeFolders(outbox, new StateTrouble()).recover()).isEmpty();
    }

    @Test
    void aJournalRecordWrittenBySomeoneElseMovesNothing(@TempDir Path elsewhere) throws Exception {
        // a user who can drop drafts can write .state/filing.journal too: it must not move files from elsewhere
        Path secret = Files.writeString(elsewhere.resolve("id_rsa"), "private key");
        Path journal = Files.createDirectories(outbox.resolve(".state")).resolve("filing.journal");
        Files.writeString(journal, "B 1 " + json().writeValueAsString(new OutcomeFolders.Move(secret, "id_rsa", outbox,
                ".receipt.json", "{}")) + "\n" + "B 2 " + json().writeValueAsString(new OutcomeFolders.Move(
                outbox.resolve(".state/claims/k1~x.eml"), "../../x.eml", outbox.resolve(".sent/2026-11-27"), ".receipt.json", "{}"))
                + "\n");
        Files.writeString(Files.createDirectories(outbox.resolve(".state/claims")).resolve("k1~x.eml"), "x");

        assertThat(folders().recover()).isEmpty();

        assertThat(secret).hasContent("private key");
        assertThat(outbox.resolve("id_rsa")).doesNotExist();
        assertThat(outbox.resolve(".state/claims/k1~x.eml")).exists();
        assertThat(journal).isEmptyFile();
    }

    OutcomeFolders folders() throws Exception {
        return new OutcomeFolders(outbox, new StateTrouble());
    }

    static ObjectMapper json() {
        return new ObjectMapper().registerModule(new JavaTimeModule());
    }
}
