package dev.outboxmailer.bounce;

import jakarta.mail.Session;
import jakarta.mail.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.camel.health.HealthCheckResultBuilder;
import dev.outboxmailer.observe.ProbedHealthCheck;

/**
 * Camel health check {@code outbox-mailer/bounces}, present when {@code bounces.url} is set: DOWN, with the
 * reason, when the bounce mailbox does not take a login (down, a wrong password, a certificate not trusted).
 * Checked at most once per {@code recheck}, on a connection of its own. Sending does not depend on it.
 */
final class BounceHealthCheck extends ProbedHealthCheck {
    private final BounceSettings settings;
    private final Properties properties;

    BounceHealthCheck(BounceSettings settings, Properties properties, Duration recheck, Clock clock) {
        super("bounces", recheck, clock);
        this.settings = settings;
        this.properties = properties;
    }

    @Override
    protected void describe(HealthCheckResultBuilder builder) {
        builder.detail("mailbox", settings.describe());
    }

    @Override
    protected String probe() {
        Properties p = new Properties();
        p.putAll(properties);
        Session session = Session.getInstance(p);
        try (Store store = session.getStore(settings.protocol())) {
            store.connect(settings.host(), settings.port(), settings.username(), settings.password());
            store.getFolder(settings.folder()).exists();
            return null;
        } catch (Exception e) {
            return "the bounce mailbox " + settings.describe() + " does not take a login: " + reason(e);
        }
    }

    private String reason(Throwable e) {
        Throwable root = e;
        String message = String.valueOf(e.getMessage());
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            if (root instanceof java.security.cert.CertificateException || root instanceof javax.net.ssl.SSLException) {
                message = "its certificate is not trusted (" + root.getMessage() + ")";
                break;
            }
            if (root instanceof java.net.ConnectException) {
                message = "cannot connect (" + root.getMessage() + ")";
            }
        }
        if (e instanceof jakarta.mail.AuthenticationFailedException) {
            message = "the login was refused (" + String.valueOf(e.getMessage()).strip() + ")";
        }
        String pw = settings.password();
        if (pw != null && !pw.isEmpty()) {
            message = message.replace(pw, "****");
        }
        return message.strip();
    }
}
