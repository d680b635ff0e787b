package dev.outboxmailer.observe;

import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;
import java.util.function.Function;

/**
 * Camel only logs a warning when the management port is taken, and then serves no health and no metrics:
 * a start without them is a configuration error instead.
 */
public final class ManagementPort {
    private ManagementPort() {}

    public static void requireFree(Function<String, Optional<String>> settings) {
        if (!"true".equalsIgnoreCase(settings.apply("camel.management.enabled").orElse("false"))) {
            return;
        }
        int port = Integer.parseInt(settings.apply("camel.management.port").orElse("8080").trim());
        String host = settings.apply("camel.management.host").orElse("127.0.0.1").trim();
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ConfigException("camel.management.port", port + " on " + host
                    + " is already in use, so health and metrics could not be served there: choose another port "
                    + "(0 takes any free one)");
        }
    }
}
