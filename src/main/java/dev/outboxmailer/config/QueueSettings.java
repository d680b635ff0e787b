package dev.outboxmailer.config;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * The queue intake's configuration (SPEC §5, {@code queue.*}). The queue is off unless {@code queue.url}
 * is set (an external ActiveMQ Artemis broker) or {@code queue.embedded=true} (a broker inside this
 * process, on loopback, keeping its journal in {@code queue.data-dir}).
 *
 * @param url          the broker consumed from: {@code queue.url}, or the embedded broker's address
 * @param embeddedPort the embedded broker's TCP port on 127.0.0.1, or 0 when no broker is embedded
 * @param dataDir      where the embedded broker keeps queued messages across restarts
 * @param name         the queue drafts arrive on; {@code <name>.DLQ} and {@code <name>.receipts} beside it
 * @param consumers    drafts taken from the queue in parallel
 * @param receipts     publish a receipt for every sent draft to {@code <name>.receipts}
 * @param instanceId   this instance's name on published receipts (many instances may share a broker)
 */
public record QueueSettings(String url, int embeddedPort, Path dataDir, String name, String username, String password,
                            int consumers, boolean receipts, String instanceId) {

    /** The settings, or empty when the queue is off. */
    public static Optional<QueueSettings> read(Function<String, Optional<String>> lookup) {
        Function<String, Optional<String>> r = key -> lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
        boolean embedded = bool("queue.embedded", r.apply("queue.embedded").orElse("false"));
        Optional<String> external = r.apply("queue.url");
        if (external.isEmpty() && !embedded) {
            return Optional.empty();
        }
        if (external.isPresent() && embedded) {
            throw new ConfigException("queue.url", "set either queue.url (an external broker) or queue.embedded=true, not both");
        }
        int port = embedded ? port("queue.embedded-port", r.apply("queue.embedded-port").orElse("61616")) : 0;
        String url = external.orElse("tcp://127.0.0.1:" + port);
        if (!url.startsWith("tcp://") && !url.startsWith("(tcp://")) {
            throw new ConfigException("queue.url", "'" + url + "' is not an Artemis broker address (write it like tcp://host:61616)");
        }
        String name = r.apply("queue.name").orElse("outbox");
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigException("queue.name", "'" + name + "' is not a queue name (letters, digits, '.', '_', '-')");
        }
        String username = r.apply("queue.username").orElse(null);
        String password = r.apply("queue.password").orElse(null);
        int consumers = Values.positiveInt("queue.consumers", r.apply("queue.consumers").orElse("4"));
        boolean receipts = bool("queue.receipts", r.apply("queue.receipts").orElse("false"));
        String instance = r.apply("queue.instance-id").orElseGet(Values::thisProcess);
        Path data = Path.of(r.apply("queue.data-dir").orElse("queue-data")).toAbsolutePath().normalize();
        return Optional.of(new QueueSettings(url, port, data, name, username, password, consumers, receipts, instance));
    }

    /** The same settings with this broker login (the embedded broker's, given or generated). */
    public QueueSettings withLogin(String username, String password) {
        return new QueueSettings(url, embeddedPort, dataDir, name, username, password, consumers, receipts, instanceId);
    }

    public boolean embedded() {
        return embeddedPort > 0;
    }

    public String deadLetterQueue() {
        return name + ".DLQ";
    }

    public String receiptQueue() {
        return name + ".receipts";
    }

    /** The broker address for logs: any {@code password=} parameter masked. */
    public String describe() {
        return url.replaceAll("(?i)(password=)[^&;)]*", "$1***");
    }

    @Override
    public String toString() {
        return "queue " + name + " on " + describe();
    }

    private static boolean bool(String key, String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key, "'" + text + "' is not true or false");
        };
    }

    private static int port(String key, String text) {
        int port = Values.positiveInt(key, text);
        if (port > 65535) {
            throw new ConfigException(key, "'" + text + "' is not a TCP port (1-65535)");
        }
        return port;
    }
}
