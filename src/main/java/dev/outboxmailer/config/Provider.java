package dev.outboxmailer.config;

import dev.outboxmailer.deliver.Security;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code smtp.provider}: the host, port, security and a default {@code smtp.rate-limit} of a well-known mail
 * provider, so that {@code --smtp.provider=qq} plus a login is the whole configuration. Every key given
 * explicitly wins over the preset.
 *
 * <p>The rate limits are conservative defaults for a personal account, from the providers' published or
 * commonly observed sending limits; adjust {@code smtp.rate-limit} to your account's real limit:
 * <ul>
 *   <li>{@code qq}: personal QQ Mail accounts are cut off after a few hundred messages a day (the exact
 *       figure is not published and varies by account): {@code 300/d};</li>
 *   <li>{@code 163}: NetEase 163 personal accounts, similar to QQ: {@code 300/d};</li>
 *   <li>{@code gmail}: Google documents 500 messages a day for consumer Gmail accounts (Workspace: 2,000):
 *       {@code 500/d};</li>
 *   <li>{@code outlook}: Exchange Online / Outlook.com documents 30 messages a minute: {@code 30/m}.</li>
 * </ul>
 */
public enum Provider {
    QQ("qq", "smtp.qq.com", Security.SSL, 465, "300/d"),
    NETEASE_163("163", "smtp.163.com", Security.SSL, 465, "300/d"),
    GMAIL("gmail", "smtp.gmail.com", Security.SSL, 465, "500/d"),
    OUTLOOK("outlook", "smtp.office365.com", Security.STARTTLS, 587, "30/m");

    private final String key;
    private final String host;
    private final Security security;
    private final int port;
    private final String rateLimit;

    Provider(String key, String host, Security security, int port, String rateLimit) {
        this.key = key;
        this.host = host;
        this.security = security;
        this.port = port;
        this.rateLimit = rateLimit;
    }

    public static Provider of(String configKey, String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.key.equals(wanted)).findFirst()
                .orElseThrow(() -> new ConfigException(configKey, "'" + text + "' is not a known provider (known: "
                        + Arrays.stream(values()).map(Provider::key).collect(Collectors.joining(", "))
                        + "); or leave it unset and give smtp.host, smtp.port and smtp.security"));
    }

    public String key() {
        return key;
    }

    public String host() {
        return host;
    }

    public Security security() {
        return security;
    }

    public int port() {
        return port;
    }

    /** The default {@code smtp.rate-limit}, in its written form. */
    public String rateLimit() {
        return rateLimit;
    }
}
