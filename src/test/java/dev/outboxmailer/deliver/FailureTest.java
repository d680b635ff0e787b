package dev.outboxmailer.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import java.io.EOFException;
import java.net.SocketException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The classes of SPEC §9 "Right class", on the exceptions Angus Mail throws (the end-to-end cases are in
 * {@code RightClassTest}): a handshake cut off is transient, a trust problem is the operator's; a reply that
 * means the account's quota pauses, a reply about the message fails it.
 */
class FailureTest {

    static MessagingException connectFailed(Exception cause) {
        return new MessagingException("Could not connect to SMTP host: smtp.example.com, port: 465", cause);
    }

    @Test
    void aResetDuringTheHandshakeIsTransient() {
        SSLException reset = new SSLException("Connection reset", new SocketException("Connection reset"));
        assertThat(Failure.of(connectFailed(reset)).kind()).isEqualTo(Failure.Kind.TRANSIENT);
    }

    @Test
    void anEndOfStreamDuringTheHandshakeIsTransient() {
        SSLHandshakeException eof = new SSLHandshakeException("Remote host terminated the handshake");
        eof.initCause(new EOFException("SSL peer shut down incorrectly"));
        Failure failure = Failure.of(connectFailed(eof));
        assertThat(failure.kind()).isEqualTo(Failure.Kind.TRANSIENT);
        assertThat(failure.reason()).doesNotContain("certificate");
        assertThat(Failure.of(connectFailed(new SSLHandshakeException("Remote host terminated the handshake"))).kind())
                .isEqualTo(Failure.Kind.TRANSIENT);
    }

    @Test
    void anUntrustedCertificateIsTheOperatorsProblem() {
        SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed: unable to find valid certification path");
        pkix.initCause(new CertificateException("PKIX path building failed"));
        Failure failure = Failure.of(connectFailed(pkix));
        assertThat(failure.kind()).isEqualTo(Failure.Kind.OPERATOR);
        assertThat(failure.reason()).contains("certificate is not trusted");
    }

    @Test
    void aCertificateForAnotherNameIsTheOperatorsProblem() {
        SSLHandshakeException name = new SSLHandshakeException("No subject alternative names matching IP address 127.0.0.1 found");
        name.initCause(new CertificateException("No subject alternative names matching IP address 127.0.0.1 found"));
        assertThat(Failure.of(connectFailed(name)).kind()).isEqualTo(Failure.Kind.OPERATOR);
        assertThat(Failure.of(connectFailed(new java.io.IOException("Server is not trusted: 127.0.0.1"))).kind())
                .isEqualTo(Failure.Kind.OPERATOR);
    }

    @Test
    void aHandshakeThatFailsByItselfIsTheOperatorsProblemButNotACertificate() {
        Failure failure = Failure.of(connectFailed(new SSLHandshakeException("Received fatal alert: protocol_version")));
        assertThat(failure.kind()).isEqualTo(Failure.Kind.OPERATOR);
        assertThat(failure.reason()).contains("TLS handshake").doesNotContain("certificate");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "550 5.4.5 Daily user sending quota exceeded. x1-20020a05 - gsmtp",
            "550-5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to",
            "550 5.4.5 Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits",
            "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message Cannot submit message.",
            "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients",
            "554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; Failed to process message due to a permanent exception with message WASCL UserAction verdict is not None. Actual verdict is Suspend, ShowTierUpgrade.",
            "550 Ip frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725",
            "550 Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000722",
            "550 MI:STC 163 smtp14,EsCowACHgt5L",
            "550 RP:TRC 163 smtp9,DcCowAD3pU5",
    })
    void aReplyThatMeansTheAccountsQuotaPausesSending(String reply) {
        for (MessagingException refused : java.util.List.of(atEndOfData(reply), atEveryRecipient(reply))) {
            Failure failure = Failure.of(refused);
            assertThat(failure.kind()).as(reply).isEqualTo(Failure.Kind.OPERATOR);
            assertThat(failure.reason()).contains("sending limit").contains(reply.substring(0, 12));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "552 5.2.2 The email account that you tried to reach is over quota.",
            "552 5.2.2 Quota exceeded (mailbox for user is full)",
            "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
            "550 5.7.1 Message rejected as spam by Content Filtering.",
            "554 DT:SPM 163 smtp3,G9xpCgAXPR",
            "552 5.3.4 Message size exceeds fixed limit",
    })
    void aReplyAboutTheMessageOrItsRecipientStillFailsIt(String reply) {
        Failure failure = Failure.of(atEndOfData(reply));
        assertThat(failure.kind()).as(reply).isEqualTo(Failure.Kind.REJECTED);
        assertThat(failure.smtpCode()).isEqualTo(Integer.parseInt(reply.substring(0, 3)));
    }

    static MessagingException atEndOfData(String reply) {
        return new SMTPSendFailedException("DATA", Integer.parseInt(reply.substring(0, 3)), reply, null, null, null, null);
    }

    static MessagingException atEveryRecipient(String reply) {
        try {
            InternetAddress bob = new InternetAddress("bob@example.org");
            SendFailedException all = new SendFailedException("Invalid Addresses",
                    new SMTPAddressFailedException(bob, "RCPT TO:<bob@example.org>", Integer.parseInt(reply.substring(0, 3)), reply),
                    new jakarta.mail.Address[0], new jakarta.mail.Address[0], new jakarta.mail.Address[] {bob});
            return all;
        } catch (jakarta.mail.internet.AddressException e) {
            throw new IllegalStateException(e);
        }
    }
}
