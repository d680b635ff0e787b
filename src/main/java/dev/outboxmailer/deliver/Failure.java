package dev.outboxmailer.deliver;

import dev.outboxmailer.compose.InvalidDraftException;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/**
 * Why a draft did not go out, and what that means for it. Every failure is classified here, in one
 * place:
 * <ul>
 *   <li>{@link Kind#INVALID_DRAFT}: the draft is wrong; it goes to {@code .failed/} at once;</li>
 *   <li>{@link Kind#REJECTED}: the server refused it for good (5xx); {@code .failed/} at once;</li>
 *   <li>{@link Kind#TRANSIENT}: the server or network may do better later (4xx, refused or dropped
 *       connections, also a reset or end of stream during the TLS handshake, timeouts); the draft is tried again
 *       on the retry schedule;</li>
 *   <li>{@link Kind#OPERATOR}: the configuration, the account or the server's identity is wrong (login refused,
 *       untrusted certificate or name, a TLS handshake that fails by itself, unknown host, the account's sending
 *       quota reached: see {@link SendingLimit}); the draft stays untouched until it is fixed.</li>
 * </ul>
 *
 * @param smtpCode the server's reply code where there was one, else null
 */
public record Failure(Kind kind, String reason, Integer smtpCode) {

    public enum Kind { INVALID_DRAFT, REJECTED, TRANSIENT, OPERATOR }

    public static Failure of(Throwable error) {
        InvalidDraftException invalid = find(error, InvalidDraftException.class);
        if (invalid != null) {
            return new Failure(Kind.INVALID_DRAFT, invalid.getMessage(), null);
        }
        // OAuth2 (SPEC §10): the token endpoint, a refused token, a password login the provider takes no more
        Failure oauth2 = dev.outboxmailer.deliver.oauth.OAuth2Failures.of(error);
        if (oauth2 != null) {
            return oauth2;
        }
        AuthenticationFailedException auth = find(error, AuthenticationFailedException.class);
        if (auth != null) {
            return new Failure(Kind.OPERATOR, "the SMTP server refused the login (check smtp.username and the password): "
                    + oneLine(auth.getMessage()), null);
        }
        if (untrusted(error)) {
            return new Failure(Kind.OPERATOR, "the SMTP server's certificate is not trusted for its name "
                    + "(a private CA goes in smtp.trust-store): " + oneLine(deepest(error).getMessage()), null);
        }
        SSLException tls = find(error, SSLException.class);
        if (tls != null && !cutOff(error)) {
            // an alert, no common protocol or cipher, plain text on a TLS port: it fails the same way every time
            return new Failure(Kind.OPERATOR, "the TLS handshake with the SMTP server failed (check smtp.port and "
                    + "smtp.security): " + oneLine(deepest(error).getMessage()), null);
        }
        if (messageContains(error, "STARTTLS is required")) {
            return new Failure(Kind.OPERATOR, "the SMTP server does not offer STARTTLS, which smtp.security=starttls "
                    + "requires; nothing was sent in plain text (check smtp.port, or use smtp.security=ssl)", null);
        }
        UnknownHostException unknown = find(error, UnknownHostException.class);
        if (unknown != null) {
            return new Failure(Kind.OPERATOR, "the SMTP host is unknown (check smtp.host): " + oneLine(unknown.getMessage()), null);
        }
        Integer code = replyCode(error);
        if (code != null && code >= 500 && SendingLimit.means(replyText(error))) {
            return new Failure(Kind.OPERATOR, "the SMTP server refuses mail from this account for now, its sending "
                    + "limit is reached (drafts wait and are tried again; smtp.rate-limit keeps below it): "
                    + replyText(error), code);
        }
        if (code != null && code >= 500) {
            return new Failure(Kind.REJECTED, "the SMTP server refused the message: " + replyText(error), code);
        }
        if (code != null && code >= 400) {
            return new Failure(Kind.TRANSIENT, "the SMTP server deferred the message: " + replyText(error), code);
        }
        if (find(error, MessagingException.class) != null || find(error, java.io.IOException.class) != null) {
            return new Failure(Kind.TRANSIENT, "the SMTP server could not be reached or dropped the connection: "
                    + oneLine(deepest(error).toString()), null);
        }
        // a fault of ours, not of the draft or the server: keep the draft and try again later
        return new Failure(Kind.TRANSIENT, "unexpected error (please report it): " + oneLine(deepest(error).toString()), null);
    }

    /**
     * The server's certificate (or its name) is what is wrong: the chain holds a certificate or path-validation
     * error, or Angus Mail's own identity check failed. Retrying cannot help.
     */
    private static boolean untrusted(Throwable error) {
        return find(error, CertificateException.class) != null
                || find(error, java.security.cert.CertPathValidatorException.class) != null
                || find(error, java.security.cert.CertPathBuilderException.class) != null
                || find(error, javax.net.ssl.SSLPeerUnverifiedException.class) != null
                || messageContains(error, "Server is not trusted")
                || messageContains(error, "verify identity of server")
                || messageContains(error, "PKIX path")
                || messageContains(error, "subject alternative name")
                || messageContains(error, "No name matching");
    }

    /**
     * The TLS handshake was cut off by the network or the peer (a reset, an end of stream, "Remote host terminated
     * the handshake"): a passing failure, like a connection reset before TLS.
     */
    private static boolean cutOff(Throwable error) {
        for (Throwable t = error; t != null; t = next(t)) {
            if (t instanceof java.net.SocketException || t instanceof java.io.EOFException
                    || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (m.contains("connection reset") || m.contains("remote host terminated the handshake")
                    || m.contains("peer shut down incorrectly") || m.contains("broken pipe")
                    || m.contains("connection closed by remote host") || m.contains("socket closed")) {
                return true;
            }
        }
        return false;
    }

    /** The reply code that decides: for refused recipients, a temporary refusal of any one wins. */
    private static Integer replyCode(Throwable error) {
        SMTPSendFailedException send = find(error, SMTPSendFailedException.class);
        if (send != null && send.getReturnCode() > 0) {
            return send.getReturnCode();
        }
        Integer worst = null;
        for (Exception e = find(error, SendFailedException.class); e != null;
                e = e instanceof MessagingException m ? m.getNextException() : null) {
            if (e instanceof SMTPAddressFailedException failed) {
                int c = failed.getReturnCode();
                if (worst == null || (c >= 400 && c < 500)) {
                    worst = c;
                }
            }
        }
        return worst;
    }

    private static String replyText(Throwable error) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = error; t != null; t = next(t)) {
            if (t instanceof SMTPAddressFailedException a) {
                sb.append(sb.length() > 0 ? "; " : "").append(a.getAddress()).append(": ").append(oneLine(a.getMessage()));
            } else if (t instanceof SMTPSendFailedException s && sb.length() == 0) {
                sb.append(oneLine(s.getMessage()));
            }
        }
        return sb.length() > 0 ? sb.toString() : oneLine(deepest(error).getMessage());
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = next(t)) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static boolean messageContains(Throwable error, String text) {
        for (Throwable t = error; t != null; t = next(t)) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable deepest(Throwable error) {
        Throwable t = error;
        while (next(t) != null) {
            t = next(t);
        }
        return t;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t) {
            return m.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
