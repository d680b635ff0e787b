package dev.outboxmailer.deliver.oauth;

/**
 * Access tokens for the SMTP login ({@code AUTH XOAUTH2}), shared by all the pooled connections; safe to call
 * from any thread.
 */
public interface TokenSource {
    /**
     * A token to open a new connection with: the cached one while it is valid for more than five minutes,
     * else a new one (one request to the token endpoint at a time; the other threads wait for its answer).
     *
     * @throws OAuth2Failure when no token could be had, saying whether that is passing or the operator's to fix
     */
    String token() throws OAuth2Failure;

    /** The SMTP server refused this token: forget it, so the next {@link #token()} gets a new one. */
    void refused(String token);
}
