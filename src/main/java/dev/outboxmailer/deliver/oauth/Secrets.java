package dev.outboxmailer.deliver.oauth;

import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A secret kept in a file: its content, stripped; a missing or empty file names its key. */
final class Secrets {
    private Secrets() {}

    static String read(String key, Path file) {
        try {
            String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (secret.isEmpty()) {
                throw new ConfigException(key, file.toAbsolutePath() + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + file.toAbsolutePath());
        }
    }
}
