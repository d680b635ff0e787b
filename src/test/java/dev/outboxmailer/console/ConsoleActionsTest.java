package dev.outboxmailer.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.bounce.Suppression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleActionsTest {
    @TempDir
    Path outbox;

    private final Clock clock = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);

    private ConsoleActions actions() {
        return new ConsoleActions(outbox, new Suppression(outbox, clock), clock);
    }

    private Path failed(String name, String content) throws Exception {
        Path folder = Files.createDirectories(outbox.resolve(".failed"));
        Files.writeString(folder.resolve(name + ".error.json"), "{\"kind\":\"invalid-draft\"}");
        return Files.writeString(folder.resolve(name), content);
    }

    @Test
    void sendAgainMovesTheDraftAsItIsNowAndKeepsItsReportInHistory() throws Exception {
        failed("a.txt", "fixed content");
        ConsoleActions.Result r = actions().sendAgain("a.txt");
        assertThat(r.ok()).isTrue();
        assertThat(outbox.resolve("a.txt")).hasContent("fixed content");
        assertThat(outbox.resolve(".failed/a.txt")).doesNotExist();
        assertThat(outbox.resolve(".failed/a.txt.error.json")).doesNotExist();
        assertThat(outbox.resolve(".failed/.history/a.txt.20261202T100000Z.error.json")).exists();

        failed("a.txt", "failed once more");
        assertThat(actions().sendAgain("a.txt").ok()).isTrue(); // the same second: a second history file
        assertThat(outbox.resolve(".failed/.history/a.txt.20261202T100000Z-2.error.json")).exists();
    }

    @Test
    void aNewDraftOfTheSameNameIsNeverOverwritten() throws Exception {
        failed("a.txt", "the failed one");
        Files.writeString(outbox.resolve("a.txt"), "a new draft");
        ConsoleActions.Result r = actions().sendAgain("a.txt");
        assertThat(r.message()).contains("as a-2.txt");
        assertThat(outbox.resolve("a.txt")).hasContent("a new draft");
        assertThat(outbox.resolve("a-2.txt")).hasContent("the failed one");
    }

    @Test
    void onlyAFailedDraftByItsPlainNameCanBeSentAgain() throws Exception {
        failed("a.txt", "x");
        Files.writeString(outbox.resolve("secret.txt"), "not failed");
        for (String bad : new String[] {"../secret.txt", "/etc/passwd", ".history", "", "a.txt.error.json", "a\\b"}) {
            assertThat(actions().sendAgain(bad).status()).as(bad).isEqualTo(400);
        }
        assertThat(actions().sendAgain(null).status()).isEqualTo(400);
        assertThat(actions().sendAgain("gone.txt").status()).isEqualTo(404);
        try (Stream<Path> files = Files.list(outbox)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(".failed", "secret.txt");
        }
    }

    @Test
    void releaseTakesTheAddressOffTheSuppressionList() throws Exception {
        Path list = Files.createDirectories(outbox.resolve(".state")).resolve("suppressed.csv");
        Files.writeString(list, "address,status,draft,since\ngone@example.org,5.1.1,a.eml,x\nkept@example.org,5.1.1,b.eml,x\n");
        assertThat(actions().release("Gone@Example.org").ok()).isTrue();
        assertThat(list).hasContent("address,status,draft,since\nkept@example.org,5.1.1,b.eml,x");
        assertThat(actions().release("gone@example.org").status()).isEqualTo(404);
        assertThat(actions().release("not an address").status()).isEqualTo(400);
        assertThat(new Suppression(outbox, clock).suppressed()).containsExactly("kept@example.org");
    }
}
