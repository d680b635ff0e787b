package dev.outboxmailer.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the value forms of the configuration: durations ({@code 500ms 5s 10m 2h 2d}) and sizes ({@code 512KB 25MB}). */
public final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?");

    private Values() {}

    public static Duration duration(String key, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(key, "'" + text + "' is not a duration (write it like 500ms, 5s, 10m, 2h or 2d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static long bytes(String key, String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(key, "'" + text + "' is not a size (write it like 512KB, 25MB or a number of bytes)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return switch (unit) {
            case "KB" -> n * 1024;
            case "MB" -> n * 1024 * 1024;
            case "GB" -> n * 1024 * 1024 * 1024;
            default -> n;
        };
    }

    public static int positiveInt(String key, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(key, "'" + text + "' is not a positive whole number");
    }

    public static double multiplier(String key, String text) {
        try {
            double d = Double.parseDouble(text.trim());
            if (d >= 1.0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(key, "'" + text + "' is not a number of at least 1");
    }


    /** A secret kept in a file: its content, stripped; a missing or empty file is an error naming {@code key}. */
    public static String secretFile(String key, java.nio.file.Path file) {
        try {
            String secret = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8).strip();
            if (secret.isEmpty()) {
                throw new ConfigException(key, file.toAbsolutePath() + " is empty");
            }
            return secret;
        } catch (java.io.IOException e) {
            throw new ConfigException(key, "cannot read " + file.toAbsolutePath());
        }
    }

    /** An address list as configuration gives it, each address parsed strictly and validated. */
    public static java.util.List<jakarta.mail.internet.InternetAddress> addressList(String text)
            throws jakarta.mail.internet.AddressException {
        jakarta.mail.internet.InternetAddress[] parsed = jakarta.mail.internet.InternetAddress.parse(text, true);
        for (jakarta.mail.internet.InternetAddress a : parsed) {
            a.validate();
        }
        return java.util.List.of(parsed);
    }

    /** Who this process is, for another instance's logs: host name and process id. */
    public static String thisProcess() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
