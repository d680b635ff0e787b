package dev.outboxmailer.intake;

import dev.outboxmailer.compose.DraftDefaults;
import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.Values;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import dev.outboxmailer.sign.Dkim;
import org.apache.camel.Exchange;

/**
 * A watched folder's own defaults, from the route template {@code watched-folder}'s parameters {@code to},
 * {@code subject}, {@code from} and {@code dkim} (the name of its DKIM key set). The template makes one as a
 * local bean when it creates the route, so a parameter that is not an address, or a key set that is not
 * configured, stops the start with a message naming it — not a failure of every draft.
 */
public final class FolderDefaults {
    /** The exchange property with the folder's defaults (a map of to, subject, from), set by {@link #apply}. */
    public static final String PROPERTY = "outboxMailerFolderDefaults";
    private static final Map<Map<String, String>, DraftDefaults> PARSED = new ConcurrentHashMap<>();

    private final Map<String, String> values;

    /** @param signer the application's DKIM signer ({@code #bean:dkim}): the folder's key set must be one it has */
    public FolderDefaults(String to, String subject, String from, String dkim, Dkim signer) {
        Map<String, String> v = new HashMap<>();
        put(v, "to", to);
        put(v, "subject", subject);
        put(v, "from", from);
        put(v, "dkim", dkim);
        this.values = Map.copyOf(v);
        parse(values); // fails now, at the route's creation, naming the parameter
        String keys = values.get("dkim");
        if (keys != null && signer != null && !signer.hasKeySet(keys)) {
            throw new ConfigException("routes", "the route template watched-folder's parameter 'dkim' ('" + keys
                    + "') names no DKIM key set: dkim." + keys + ".domain, .selector and .key-file are not in the "
                    + "configuration; fix it in routes/ or add the keys");
        }
    }

    /** Gives the exchange (a draft of this folder) the folder's defaults. */
    public void apply(Exchange exchange) {
        exchange.setProperty(PROPERTY, values);
    }

    /** The defaults the template gave this exchange, or an empty map. */
    @SuppressWarnings("unchecked")
    static Map<String, String> of(Exchange exchange) {
        Map<String, String> v = exchange.getProperty(PROPERTY, Map.class);
        return v == null ? Map.of() : v;
    }

    /** The defaults as a draft takes them (parsed once per set of values). */
    static DraftDefaults parse(Map<String, String> values) {
        if (values.isEmpty()) {
            return null;
        }
        DraftDefaults parsed = PARSED.get(values);
        if (parsed == null) {
            String from = values.get("from"); // "dkim" is the signer's: sign.Dkim reads it from the DraftSource
            parsed = new DraftDefaults(from == null ? null : one(from), list("to", values.getOrDefault("to", "")),
                    values.get("subject"));
            PARSED.put(Map.copyOf(values), parsed);
        }
        return parsed;
    }

    private static void put(Map<String, String> v, String key, String value) {
        if (value != null && !value.isBlank()) {
            v.put(key, value.strip());
        }
    }

    private static List<InternetAddress> list(String parameter, String text) {
        if (text.isBlank()) {
            return List.of();
        }
        try {
            return Values.addressList(text);
        } catch (AddressException e) {
            throw new ConfigException("routes", "the route template watched-folder's parameter '" + parameter + "' ('"
                    + text + "') is not a valid address list: " + e.getMessage() + "; fix it in routes/");
        }
    }

    private static InternetAddress one(String text) {
        List<InternetAddress> list = list("from", text);
        if (list.size() != 1) {
            throw new ConfigException("routes", "the route template watched-folder's parameter 'from' ('" + text
                    + "') must be exactly one address; fix it in routes/");
        }
        return list.get(0);
    }
}
