package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The jar's route list names every file of routes/ (the packaged copy is loaded by name, not by pattern). */
class PackagedRoutesTest {
    @Test
    void everyRoutesFileIsPackagedByName() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")))
                    .containsExactlyInAnyOrderElementsOf(OutboxMailer.PACKAGED_ROUTES);
        }
        assertThat(OutboxMailer.routesPattern(Path.of("no-such-folder")))
                .isEqualTo("classpath:routes/outbox.yaml,classpath:routes/queue.yaml,classpath:routes/folders.yaml,classpath:routes/entry.yaml,classpath:routes/bounces.yaml");
    }
}
