package dev.outboxmailer;

import dev.outboxmailer.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
            throw new IllegalStateException(e);
        }
        if (main.getExitCode() != 0) {
            System.exit(main.getExitCode());
        }
    }

    /** A ready-to-run application with the given overrides (the command line's {@code --key=value}). */
    public static Main create(Map<String, String> overrides) {
        nameTheMailStreamProvider();
        Main main = new Main();
        main.setPropertyPlaceholderLocations(DEFAULTS + "," + USER_PROPERTIES);
        overrides.forEach(main::addOverrideProperty);
        main.configure().addConfiguration(MailerBeans.class);
        main.configure().withRoutesIncludePattern(routesPattern(Path.of("routes")));
        return main;
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
        return "classpath:routes/*.yaml";
    }

    private static void exitOnConfigError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException config) {
                System.err.println("outbox-mailer: configuration error: " + config.getMessage());
                System.exit(2);
            }
        }
    }
}
