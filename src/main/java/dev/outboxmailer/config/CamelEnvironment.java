package dev.outboxmailer.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * {@code camel.*} keys from the environment by the README's rule (upper case, {@code .} and {@code -} become
 * {@code _}: {@code camel.management.port} is {@code CAMEL_MANAGEMENT_PORT}), with the README's precedence: the
 * command line over the environment over {@code application.properties} over the defaults.
 *
 * <p>Our own keys need nothing: Camel's properties component looks {@code SMTP_HOST} up for {@code smtp.host}.
 * But Camel Main configures itself ({@code camel.main.*}, {@code camel.management.*}, {@code camel.server.*}…)
 * from the property files with a mapping of its own, which is wrong here twice: it skips every variable whose
 * name ends in {@code _PORT} or contains {@code _PORT_} (it takes them for Kubernetes service links), so
 * {@code CAMEL_MANAGEMENT_PORT} is ignored; and it puts the environment above the command line, so
 * {@code CAMEL_MAIN_NAME} beats {@code --camel.main.name}. So that mapping is turned off
 * ({@code camel.main.autoConfigurationEnvironmentVariablesEnabled=false}) and this one hands every {@code CAMEL_*}
 * variable to Camel as a property, unless the command line gives the same key.
 *
 * <p>A variable is matched to the key it stands for among the keys we know (the defaults, {@code application.properties},
 * the command line), so {@code CAMEL_MANAGEMENT_HEALTH_CHECK_ENABLED} is {@code camel.management.healthCheckEnabled}
 * when written so there; otherwise it becomes lower case with {@code _} as {@code .} (Camel's own rule, whose option
 * names Camel matches in any letter case). Kubernetes service links ({@code X_SERVICE_HOST}, {@code X_SERVICE_PORT},
 * {@code X_PORT=tcp://…}, {@code X_PORT_8080_TCP…}) are still left alone.
 */
public final class CamelEnvironment {
    /** Camel Main's own mapping of the environment, turned off in favour of this one. */
    public static final String CAMEL_MAIN_MAPPING = "camel.main.autoConfigurationEnvironmentVariablesEnabled";
    static final String DEFAULTS = "outbox-mailer-defaults.properties";
    private static final Pattern SERVICE_LINK_PORT = Pattern.compile(".*_PORT_\\d+_(TCP|UDP|SCTP)(_.*)?");
    private static final Pattern URL = Pattern.compile("(?i)(tcp|udp|sctp)://.*");

    private CamelEnvironment() {}

    /**
     * Hands the environment's {@code camel.*} settings to {@code override} (Camel Main's override properties), except
     * the keys the command line gives; turns Camel Main's own mapping off.
     */
    public static void apply(BiConsumer<String, String> override, Map<String, String> commandLine, Map<String, String> env) {
        Set<String> known = new LinkedHashSet<>(commandLine.keySet());
        known.addAll(keysOf(CamelEnvironment.class.getClassLoader().getResourceAsStream(DEFAULTS)));
        Path user = Path.of("application.properties");
        if (Files.isRegularFile(user)) {
            try {
                known.addAll(keysOf(Files.newInputStream(user)));
            } catch (IOException e) {
                // Camel reads the file again and reports it
            }
        }
        if (!commandLine.containsKey(CAMEL_MAIN_MAPPING)) {
            override.accept(CAMEL_MAIN_MAPPING, "false");
        }
        settings(env, known).forEach((key, value) -> {
            if (!commandLine.containsKey(key)) {
                override.accept(key, value);
            }
        });
    }

    /** The {@code camel.*} settings the environment gives, by key. */
    public static Map<String, String> settings(Map<String, String> env, Collection<String> knownKeys) {
        Map<String, String> keyByName = new HashMap<>();
        for (String key : knownKeys) {
            if (key.startsWith("camel.")) {
                keyByName.put(name(key), key);
            }
        }
        Map<String, String> settings = new TreeMap<>();
        env.forEach((variable, value) -> {
            String name = variable.toUpperCase(Locale.ROOT);
            if (!name.startsWith("CAMEL_") || name.length() == "CAMEL_".length() || serviceLink(name, value)) {
                return;
            }
            settings.put(keyByName.getOrDefault(name, name.toLowerCase(Locale.ROOT).replace('_', '.')), value);
        });
        return settings;
    }

    /** The environment variable of a key: {@code camel.management.port} → {@code CAMEL_MANAGEMENT_PORT}. */
    public static String name(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** What Kubernetes sets for a service (here one named "camel…"), not a setting. */
    static boolean serviceLink(String name, String value) {
        return name.endsWith("_SERVICE_HOST") || name.endsWith("_SERVICE_PORT")
                || SERVICE_LINK_PORT.matcher(name).matches()
                || (name.endsWith("_PORT") && value != null && URL.matcher(value.trim()).matches());
    }

    private static Set<String> keysOf(InputStream in) {
        Properties properties = new Properties();
        if (in != null) {
            try (Reader reader = new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                // Camel reads the file again and reports it
            }
        }
        return properties.stringPropertyNames();
    }
}
