package dev.outboxmailer.config;

/** A configuration value that cannot work: the message names the key and says what is wrong. */
public class ConfigException extends RuntimeException {
    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
    }
}
