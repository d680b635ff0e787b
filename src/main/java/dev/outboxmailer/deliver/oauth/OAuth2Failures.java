package dev.outboxmailer.deliver.oauth;

import dev.outboxmailer.deliver.Failure;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The failure classes of the OAuth2 login, for {@link Failure#of}: an {@link OAuth2Failure} (token endpoint or
 * a refused token), and a password login that the provider refuses because it takes passwords no more.
 */
public final class OAuth2Failures {
    /**
     * Microsoft: {@code 535 5.7.139 Authentication unsuccessful, basic authentication is disabled},
     * {@code 550 5.7.30 Basic authentication is not supported for Client Submission}. Not every {@code 5.7.139}:
     * "SmtpClientAuthentication is disabled for the Mailbox" is fixed by the administrator, not by OAuth2.
     */
    private static final Pattern BASIC_AUTH_DISABLED = Pattern.compile(
            "\\b5\\.7\\.30\\b|basic auth(entication)? is (disabled|not supported)|basicauthblocked");

    private OAuth2Failures() {}

    /** The class of this failure, or null when it is none of these. */
    public static Failure of(Throwable error) {
        for (Throwable t = error; t != null; t = next(t)) {
            if (t instanceof OAuth2Failure f) {
                return new Failure(f.operatorProblem() ? Failure.Kind.OPERATOR : Failure.Kind.TRANSIENT, f.getMessage(), null);
            }
        }
        for (Throwable t = error; t != null; t = next(t)) {
            if (t instanceof AuthenticationFailedException auth && auth.getMessage() != null
                    && BASIC_AUTH_DISABLED.matcher(auth.getMessage().toLowerCase(Locale.ROOT)).find()) {
                return new Failure(Failure.Kind.OPERATOR, "the provider no longer takes a password login over SMTP ("
                        + OAuth2Tokens.oneLine(auth.getMessage()) + "): switch to smtp.auth=xoauth2 and sign in once with "
                        + "`java -jar outbox-mailer.jar login` (see the README, Sending for real)", null);
            }
        }
        return null;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t) {
            return m.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }
}
