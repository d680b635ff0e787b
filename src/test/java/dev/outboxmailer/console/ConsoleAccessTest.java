package dev.outboxmailer.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConsoleAccessTest {
    private static final String HOST = "127.0.0.1:8080";
    private static final String ORIGIN = "http://127.0.0.1:8080";

    @Test
    void onLoopbackWithoutATokenAnyoneThereReadsAndActsFromTheConsolesOwnPages() {
        ConsoleAccess access = new ConsoleAccess(Optional.empty(), "127.0.0.1");
        assertThat(access.read(HOST, null)).isNull();
        assertThat(access.read("localhost:8080", null)).isNull();
        assertThat(access.act("127.0.0.1", HOST, ORIGIN, null, "same-origin", null, access.formKey())).isNull();
        assertThat(access.act("0:0:0:0:0:0:0:1", "[::1]:8080", "http://[::1]:8080", null, null, null, access.formKey()))
                .isNull();
    }

    @Test
    void aRequestFromAnotherSiteIsRefused() {
        ConsoleAccess access = new ConsoleAccess(Optional.empty(), "127.0.0.1");
        String key = access.formKey();
        assertThat(access.act("127.0.0.1", HOST, "http://evil.example", null, "cross-site", null, key).status()).isEqualTo(403);
        assertThat(access.act("127.0.0.1", HOST, "http://127.0.0.1:9999", null, null, null, key).status()).isEqualTo(403);
        assertThat(access.act("127.0.0.1", HOST, null, null, null, null, key).status()).isEqualTo(403); // no Origin
        assertThat(access.act("127.0.0.1", HOST, "null", null, null, null, key).status()).isEqualTo(403);
        assertThat(access.act("127.0.0.1", HOST, ORIGIN, null, null, null, "guessed").status()).isEqualTo(403);
        assertThat(access.act("127.0.0.1", HOST, ORIGIN, null, null, null, null).status()).isEqualTo(403);
        assertThat(access.act("127.0.0.1", HOST, null, ORIGIN + "/", null, null, key)).isNull(); // Referer stands in
    }

    @Test
    void aRebindingNameCannotReadALoopbackConsole() {
        ConsoleAccess access = new ConsoleAccess(Optional.empty(), "127.0.0.1");
        assertThat(access.read("attacker.example:8080", null).status()).isEqualTo(421);
        assertThat(access.read(null, null).status()).isEqualTo(421);
    }

    @Test
    void withATokenActionsNeedIt() {
        ConsoleAccess access = new ConsoleAccess(Optional.of("s3cret"), "127.0.0.1");
        String key = access.formKey();
        assertThat(access.read(HOST, null)).isNull(); // reading on loopback stays open
        assertThat(access.act("127.0.0.1", HOST, ORIGIN, null, null, null, key).status()).isEqualTo(401);
        assertThat(access.act("127.0.0.1", HOST, ORIGIN, null, null, "wrong", key).status()).isEqualTo(401);
        assertThat(access.act("127.0.0.1", HOST, ORIGIN, null, null, "s3cret", key)).isNull();
        assertThat(key).doesNotContain("s3cret");
    }

    @Test
    void beyondLoopbackReadingNeedsTheTokenAndWithoutOneTheConsoleIsClosed() {
        ConsoleAccess closed = new ConsoleAccess(Optional.empty(), "0.0.0.0");
        assertThat(closed.read("mailer.example:8080", null).status()).isEqualTo(403);
        assertThat(closed.act("10.0.0.5", "mailer.example:8080", "http://mailer.example:8080", null, null, null,
                closed.formKey()).status()).isEqualTo(403);

        ConsoleAccess open = new ConsoleAccess(Optional.of("s3cret"), "0.0.0.0");
        assertThat(open.read("mailer.example:8080", null).status()).isEqualTo(401);
        assertThat(open.read("mailer.example:8080", "s3cret")).isNull();
        assertThat(open.act("10.0.0.5", "mailer.example:8080", "http://mailer.example:8080", null, null, "s3cret",
                open.formKey())).isNull();
    }

    @Test
    void withoutATokenActionsComeFromLoopbackOnly() {
        // a loopback-only console is never reached from elsewhere; a wider one without a token refuses everything
        ConsoleAccess access = new ConsoleAccess(Optional.empty(), "127.0.0.1");
        assertThat(access.act("192.168.1.9", HOST, ORIGIN, null, null, null, access.formKey()).status()).isEqualTo(403);
    }
}
