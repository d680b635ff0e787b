package dev.outboxmailer.deliver;

import dev.outboxmailer.config.ConfigException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code smtp.rate-limit}: at most {@code messages} handed to the server per {@code period}, written
 * {@code 30/m}, {@code 500/d}, {@code 10/s}, {@code 100/h}. Drafts beyond it simply wait their turn.
 */
public record RateLimit(long messages, Duration period) {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*/\\s*([smhd])");

    public static RateLimit parse(String key, String text) {
        Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new ConfigException(key, "'" + text + "' is not a rate (write it like 10/s, 30/m, 100/h or 500/d)");
        }
        Duration period = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        return new RateLimit(Long.parseLong(m.group(1)), period);
    }

    /**
     * No limit worth the name (10,000 messages a second): what the route's throttle uses when none is
     * configured. Kept small per period, as the throttle holds one permit per message of a period.
     */
    public static RateLimit unlimited() {
        return new RateLimit(100, Duration.ofMillis(10));
    }

    @Override
    public String toString() {
        return messages + " per " + period.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
