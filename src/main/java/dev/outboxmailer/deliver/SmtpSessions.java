package dev.outboxmailer.deliver;

import jakarta.mail.Session;
import java.util.Properties;

/** The Angus Mail session for one SMTP server: security, trust, timeouts, charset. */
final class SmtpSessions {
    private SmtpSessions() {}

    static Session create(SmtpSettings s) {
        return create(s, false);
    }

    /** With {@code xoauth2}, the login is {@code AUTH XOAUTH2} only, the access token passed as the password. */
    static Session create(SmtpSettings s, boolean xoauth2) {
        Properties p = new Properties();
        p.put("mail.transport.protocol", "smtp");
        p.put("mail.smtp.host", s.host());
        p.put("mail.smtp.port", String.valueOf(s.port()));
        p.put("mail.smtp.auth", String.valueOf(s.authenticates()));
        p.put("mail.smtp.connectiontimeout", String.valueOf(s.connectTimeout().toMillis()));
        p.put("mail.smtp.timeout", String.valueOf(s.readTimeout().toMillis()));
        p.put("mail.smtp.writetimeout", String.valueOf(s.readTimeout().toMillis()));
        // deliver to the recipients the server accepts; the refused ones are reported, not fatal
        p.put("mail.smtp.sendpartial", "true");
        p.put("mail.mime.charset", "UTF-8");
        p.put("mail.smtp.socketFactory", NoDelaySockets.plain());
        p.put("mail.smtp.socketFactory.fallback", "false");
        if (s.security() != Security.PLAIN) {
            p.put("mail.smtp.ssl.socketFactory", NoDelaySockets.tls(TrustedCertificates.sslContext(s.trustStore())));
            p.put("mail.smtp.ssl.checkserveridentity", "true");
        }
        switch (s.security()) {
            case SSL -> p.put("mail.smtp.ssl.enable", "true");
            case STARTTLS -> {
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", "true");
            }
            case PLAIN -> {
                // nothing: plain text by the operator's explicit choice
            }
        }
        if (xoauth2) {
            p.put("mail.smtp.auth.mechanisms", "XOAUTH2");
            p.put("mail.smtp.auth.xoauth2.disable", "false");
        }
        Session session = Session.getInstance(p);
        if (s.pipelining()) {
            try {
                PipeliningTransport.use(session); // RFC 2920 where the server offers it (smtp.pipelining)
            } catch (jakarta.mail.NoSuchProviderException e) {
                throw new IllegalStateException("the pipelining SMTP transport cannot be registered", e);
            }
        }
        return session;
    }
}
