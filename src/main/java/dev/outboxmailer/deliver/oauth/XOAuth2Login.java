package dev.outboxmailer.deliver.oauth;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Transport;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opens a connection with {@code AUTH XOAUTH2}: with the current token, and when the server refuses it
 * ({@code 334} and an error, then {@code 535}) once more on a new connection with a token fetched anew.
 */
public final class XOAuth2Login {
    /** Opens and authenticates one connection with this token (passed explicitly: never a cached password). */
    @FunctionalInterface
    public interface Connector {
        Transport connect(String token) throws MessagingException;
    }

    private XOAuth2Login() {}

    public static Transport open(TokenSource tokens, String username, Connector connector) throws MessagingException {
        String token = tokens.token();
        try {
            return connector.connect(token);
        } catch (AuthenticationFailedException refused) {
            if (String.valueOf(refused.getMessage()).contains("No authentication mechanisms")) {
                throw OAuth2Failure.operator("the SMTP server does not offer AUTH XOAUTH2, which smtp.auth=xoauth2 needs: "
                        + "check smtp.host and smtp.port (Microsoft: smtp.office365.com or smtp-mail.outlook.com, 587; "
                        + "Gmail: smtp.gmail.com, 465)");
            }
            tokens.refused(token);
        }
        String fresh = tokens.token();
        try {
            return connector.connect(fresh);
        } catch (AuthenticationFailedException again) {
            tokens.refused(fresh);
            throw OAuth2Failure.operator("the SMTP server refused a freshly issued OAuth2 token for " + username + " ("
                    + reply(again.getMessage()) + "): check that smtp.username is the mailbox that signed in (or that the "
                    + "application may send as), that the token's scope allows SMTP, and that SMTP AUTH is enabled for the mailbox");
        }
    }

    /** The server's reply; a {@code 334} challenge carries its error as base64 JSON, shown decoded. */
    static String reply(String message) {
        String m = OAuth2Tokens.oneLine(message);
        if (m.startsWith("334 ")) {
            try {
                return "334 " + OAuth2Tokens.oneLine(new String(Base64.getDecoder().decode(m.substring(4).trim()), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return m;
            }
        }
        return m;
    }
}
