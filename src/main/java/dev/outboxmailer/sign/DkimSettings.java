package dev.outboxmailer.sign;

import dev.outboxmailer.config.ConfigException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code dkim.*} keys (SPEC §12), read and checked at start: {@code dkim.domain}, {@code dkim.selector} and
 * {@code dkim.key-file} (comma-separated, in the same order, one signature per key) and {@code dkim.headers}.
 * Anything that cannot work is a {@link ConfigException} naming the key (and the key file), so the start stops
 * with one line and exit code 2.
 */
public final class DkimSettings {
    /** The headers signed where present, unless {@code dkim.headers} says otherwise; From is also oversigned. */
    public static final List<String> DEFAULT_HEADERS = List.of("From", "To", "Cc", "Reply-To", "Subject", "Date",
            "Message-ID", "MIME-Version", "Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post");
    private static final Pattern DOMAIN = Pattern.compile("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");
    private static final Pattern SELECTOR = Pattern.compile("(?i)[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*");
    private static final Pattern HEADER_NAME = Pattern.compile("[\\x21-\\x39\\x3B-\\x7E]+");

    private DkimSettings() {}

    /** The signer the settings describe, or empty when no {@code dkim.*} key is set (nothing is signed). */
    public static Optional<DkimSigner> read(Function<String, Optional<String>> lookup, Clock clock) {
        return read(lookup, "dkim.", clock);
    }

    /**
     * The signer of the keys under {@code prefix}: {@code dkim.} for the main one, {@code dkim.<name>.} for a
     * named set a watched folder chooses ({@code dkim.partner.domain}, {@code dkim.partner.selector}, …).
     */
    static Optional<DkimSigner> read(Function<String, Optional<String>> lookup, String prefix, Clock clock) {
        String domainKey = prefix + "domain";
        String selectorKey = prefix + "selector";
        String fileKey = prefix + "key-file";
        Optional<String> domain = get(lookup, domainKey);
        Optional<String> selectors = get(lookup, selectorKey);
        Optional<String> files = get(lookup, fileKey);
        if (domain.isEmpty() && selectors.isEmpty() && files.isEmpty()) {
            return Optional.empty();
        }
        String d = domain.orElseThrow(() -> new ConfigException(domainKey,
                "not set, but " + selectorKey + " or " + fileKey + " is: give the domain to sign for (the d= of the signature)"));
        d = d.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (!DOMAIN.matcher(d).matches()) {
            throw new ConfigException(domainKey, "'" + domain.get() + "' is not a domain name such as example.com");
        }
        List<String> selectorList = list(selectors.orElseThrow(() -> new ConfigException(selectorKey,
                "not set: give the selector of each key in " + fileKey + ", in the same order (e.g. rsa2026,ed2026)")));
        List<String> fileList = list(files.orElseThrow(() -> new ConfigException(fileKey,
                "not set: give the PEM private key file of each selector in " + selectorKey + ", in the same order")));
        for (String s : selectorList) {
            if (!SELECTOR.matcher(s).matches()) {
                throw new ConfigException(selectorKey, "'" + s + "' is not a selector (letters, digits, '-', '_' and dots)");
            }
        }
        if (selectorList.size() != fileList.size()) {
            throw new ConfigException(selectorKey, selectorList.size() + " selector(s) (" + String.join(", ", selectorList)
                    + ") but " + fileList.size() + " key file(s) in " + fileKey + " (" + String.join(", ", fileList)
                    + "): give one selector per key, in the same order");
        }
        List<DkimKey> keys = new ArrayList<>();
        for (int i = 0; i < fileList.size(); i++) {
            keys.add(DkimKey.load(d, selectorList.get(i), Path.of(fileList.get(i)), fileKey));
        }
        String headersKey = prefix + "headers";
        List<String> headers = get(lookup, headersKey).or(() -> get(lookup, "dkim.headers"))
                .map(DkimSettings::list).orElse(DEFAULT_HEADERS);
        for (String h : headers) {
            if (!HEADER_NAME.matcher(h).matches()) {
                throw new ConfigException(headersKey, "'" + h + "' is not a header name");
            }
        }
        if (headers.stream().noneMatch(h -> h.equalsIgnoreCase("From"))) {
            throw new ConfigException(headersKey, "must include From (RFC 6376 requires it to be signed)");
        }
        return Optional.of(new DkimSigner(d, keys, headers, clock));
    }

    private static Optional<String> get(Function<String, Optional<String>> lookup, String key) {
        return lookup.apply(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
