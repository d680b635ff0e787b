package dev.outboxmailer;

import dev.outboxmailer.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.main.Main;

/**
 * The application: Camel Main with the YAML routes of {@code routes/} (from the working directory when it
 * has them, else the ones packaged in the jar) and the beans of {@link MailerBeans}.
 *
 * <p>Configuration, highest precedence first: {@code --key=value} arguments, environment variables
 * ({@code SMTP_HOST} for {@code smtp.host}), {@code application.properties} in the working directory,
 * the built-in defaults.
 */
public final class OutboxMailer {
    static final String DEFAULTS = "classpath:outbox-mailer-defaults.properties";
    static final String USER_PROPERTIES = "file:application.properties;optional=true";

    private OutboxMailer() {}

    public static void main(String[] args) {
        if (java.util.Arrays.asList(args).contains("login")) { // SPEC §10: sign in once for smtp.auth=xoauth2
            System.exit(login(java.util.Arrays.stream(args).filter(a -> !a.equals("login")).toArray(String[]::new)));
        }
        // issue 15: routes and drafts checked offline (the first word that is not a --key=value)
        java.util.List<String> words = java.util.Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
        if (!words.isEmpty() && words.get(0).equals("check")) {
            java.util.List<String> rest = new java.util.ArrayList<>(java.util.Arrays.asList(args));
            rest.remove("check");
            System.exit(check(rest.toArray(String[]::new)));
        }
        Main main;
        try {
            main = create(Arguments.parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println("outbox-mailer: " + e.getMessage());
            System.err.println(Arguments.USAGE);
            System.exit(2);
            return;
        }
        try {
            main.run();
        } catch (Exception e) {
            exitOnConfigError(e);
            exitOnRouteError(e, main);
            throw new IllegalStateException(e);
        }
        if (main.getExitCode() != 0) {
            System.exit(main.getExitCode());
        }
    }

    /**
     * {@code check [routes-dir] [drafts…] [--key=value ...]}: the routes (the folder's, else {@code routes.dir}'s,
     * else the packaged ones) and the drafts validated offline; 0 without problems, 1 with, 2 for bad arguments.
     */
    static int check(String[] args) {
        try {
            List<String> paths = java.util.Arrays.stream(args).filter(a -> !a.startsWith("--")).toList();
            Map<String, String> overrides = Arguments.parse(
                    java.util.Arrays.stream(args).filter(a -> a.startsWith("--")).toArray(String[]::new));
            // the problems are the output: Camel's start and stop lines of the check's own context are not
            org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.camel", org.apache.logging.log4j.Level.WARN);
            Path routes = Path.of(setting(overrides, "routes.dir").orElse("routes"));
            List<String> drafts = paths;
            if (!paths.isEmpty() && Files.isDirectory(Path.of(paths.get(0))) && hasRoutes(Path.of(paths.get(0)))) {
                routes = Path.of(paths.get(0));
                drafts = paths.subList(1, paths.size());
            }
            return dev.outboxmailer.check.Check.run(hasRoutes(routes) ? routes : null, PACKAGED_ROUTES,
                    drafts.stream().map(Path::of).toList(), overrides, DEFAULTS + "," + USER_PROPERTIES, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("outbox-mailer: " + e.getMessage());
            System.err.println(Arguments.USAGE);
            return 2;
        }
    }

    private static boolean hasRoutes(Path folder) {
        return routesPattern(folder).startsWith("file:");
    }

    /** {@code login [--key=value ...]}: the device-code sign-in; its exit code. */
    static int login(String[] args) {
        try {
            Map<String, String> overrides = Arguments.parse(args);
            return dev.outboxmailer.deliver.oauth.DeviceLogin.run(key -> setting(overrides, key), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("outbox-mailer: " + e.getMessage());
            System.err.println(Arguments.USAGE);
            return 2;
        } catch (ConfigException e) {
            System.err.println("outbox-mailer: configuration error: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** A ready-to-run application with the given overrides (the command line's {@code --key=value}). */
    public static Main create(Map<String, String> overrides) {
        nameTheMailStreamProvider();
        Main main = new Main();
        main.setPropertyPlaceholderLocations(DEFAULTS + "," + USER_PROPERTIES);
        overrides.forEach(main::addOverrideProperty);
        // camel.* keys from the environment too (CAMEL_MANAGEMENT_PORT), below the command line
        dev.outboxmailer.config.CamelEnvironment.apply(main::addOverrideProperty, overrides, System.getenv());
        main.configure().addConfiguration(MailerBeans.class);
        Path routes = Path.of(setting(overrides, "routes.dir").orElse("routes"));
        String pattern = routesPattern(routes);
        main.configure().withRoutesIncludePattern(pattern);
        if (pattern.startsWith("file:") && !"false".equalsIgnoreCase(setting(overrides, "routes.reload").orElse("true"))) {
            // an edited (or added) routes/*.yaml replaces only its own routes (see RoutesReload)
            main.addOverrideProperty("routes.reload-dir", routes.toString());
        }
        return main;
    }

    /**
     * A setting needed before Camel starts (where the routes are): from the command line, the environment or
     * {@code application.properties}, in that order.
     */
    static Optional<String> setting(Map<String, String> overrides, String key) {
        String value = overrides.get(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        if (value == null) {
            Path file = Path.of("application.properties");
            if (Files.isRegularFile(file)) {
                Properties properties = new Properties();
                try (var in = Files.newBufferedReader(file)) {
                    properties.load(in);
                    value = properties.getProperty(key);
                } catch (java.io.IOException e) {
                    // Camel reads the file again and reports it
                }
            }
        }
        return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
    }

    /**
     * Jakarta Mail 2.1 looks its stream provider up with a ServiceLoader scan of the whole class path
     * every time a message is parsed or written, unless a system property names it: that scan was the
     * largest single cost per message (measured with the bench). Angus Mail's provider is the one a
     * scan would find.
     */
    static void nameTheMailStreamProvider() {
        if (System.getProperty(STREAM_PROVIDER) == null) {
            System.setProperty(STREAM_PROVIDER, "org.eclipse.angus.mail.util.MailStreamProvider");
        }
    }

    private static final String STREAM_PROVIDER = "jakarta.mail.util.StreamProvider";

    /** The routes of the working directory's {@code routes/}, if it has any; else the packaged defaults. */
    static String routesPattern(Path folder) {
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                if (files.anyMatch(p -> p.toString().endsWith(".yaml"))) {
                    return "file:" + folder + "/*.yaml";
                }
            } catch (java.io.IOException e) {
                // fall back to the packaged routes
            }
        }
        return PACKAGED_ROUTES.stream().map(name -> "classpath:routes/" + name).collect(Collectors.joining(","));
    }

    /**
     * The routes packaged in the jar, by name: a {@code classpath:routes/*.yaml} pattern would make Camel
     * scan every entry of the fat jar for matches (measured: most of a second at start).
     */
    static final List<String> PACKAGED_ROUTES = List.of("outbox.yaml", "queue.yaml", "folders.yaml", "entry.yaml",
            "bounces.yaml");

    /** A route file that cannot be loaded or created (issue 15): its file, line and Camel's reason, exit 2. */
    private static void exitOnRouteError(Throwable e, Main main) {
        dev.outboxmailer.check.RouteProblems.describe(e, main.getCamelContext()).ifPresent(problem -> {
            System.err.println("outbox-mailer: route error: " + problem);
            System.exit(2);
        });
    }

    private static void exitOnConfigError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException config) {
                System.err.println("outbox-mailer: configuration error: " + config.getMessage());
                System.exit(2);
            }
            if (t instanceof org.apache.camel.PropertyBindingException binding) {
                // a camel.* key Camel cannot bind: one line too, not Camel's stack trace
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("property \\(([^=]+)=(.*?)\\) with name")
                        .matcher(String.valueOf(binding.getMessage()));
                Throwable cause = binding;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                String problem = cause instanceof NumberFormatException ? "is not a whole number"
                        : "cannot be used: " + cause.getMessage();
                System.err.println("outbox-mailer: configuration error: "
                        + (m.find() ? m.group(1) + ": '" + m.group(2) + "' " + problem : binding.getMessage()));
                System.exit(2);
            }
        }
    }
}
