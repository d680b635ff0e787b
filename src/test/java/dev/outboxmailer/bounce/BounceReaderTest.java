package dev.outboxmailer.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outboxmailer.support.BounceReports;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The reader on its own, for the forms and the hostile cases (the routes test covers them arriving by IMAP/POP3). */
class BounceReaderTest {
    static MimeMessage message(String raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream(raw.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anExchangeNdrNamesTheRecipientTheCodeAndTheReturnedMessageId() throws Exception {
        BounceReport r = BounceReader.read(message(BounceReports.exchange("<m1@example.com>", "gone@contoso.com")));
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.BOUNCE);
        assertThat(r.form()).isEqualTo("exchange");
        assertThat(r.messageIds()).containsExactly("<m1@example.com>");
        assertThat(r.findings()).extracting(BounceReport.Finding::recipient).containsExactly("gone@contoso.com");
        assertThat(r.findings().get(0).status()).isEqualTo("5.1.10");
    }

    @Test
    void anEximReturnedMailNamesOnlyTheFailedRecipientNotTheOthersInTheQuotedOriginal() throws Exception {
        BounceReport r = BounceReader.read(message("""
                From: Mail Delivery System <Mailer-Daemon@mx.example.net>
                To: mailer@example.com
                Subject: Mail delivery failed: returning message to sender
                Auto-Submitted: auto-replied
                Message-Id: <E1x@mx.example.net>

                This message was created automatically by mail delivery software.

                A message that you sent could not be delivered to one or more of its
                recipients. This is a permanent error. The following address(es) failed:

                  dead@example.net
                    host mx.example.net [203.0.113.9]
                    SMTP error from remote mail server after RCPT TO:<dead@example.net>:
                    550 5.1.1 <dead@example.net>: Recipient address rejected: User unknown

                ------ This is a copy of the message, including all the headers. ------

                Return-path: <mailer@example.com>
                From: mailer@example.com
                To: dead@example.net, alive@example.org
                Message-ID: <m2@example.com>
                Subject: Invoice
                """));
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.BOUNCE);
        assertThat(r.form()).isEqualTo("exim");
        assertThat(r.findings()).extracting(BounceReport.Finding::recipient).containsExactly("dead@example.net");
        assertThat(r.findings().get(0).status()).isEqualTo("5.1.1");
        assertThat(r.findings().get(0).hard()).isTrue();
        assertThat(r.messageIds()).containsExactly("<m2@example.com>");
    }

    @Test
    void a163NoticeInGbkIsRead() throws Exception {
        String text = "\u60a8\u53d1\u9001\u7684\u90ae\u4ef6\u9000\u4fe1\uff1a\u6536\u4ef6\u4eba wrong@163.com \u4e0d\u5b58\u5728 550 User not found\n"
                + "----- \u539f\u90ae\u4ef6 -----\nMessage-ID: <m3@example.com>\n";
        byte[] gbk = text.getBytes("GBK");
        String raw = "From: Postmaster@163.com\nTo: mailer@example.com\nSubject: =?GBK?B?"
                + java.util.Base64.getEncoder().encodeToString("\u7cfb\u7edf\u9000\u4fe1".getBytes("GBK"))
                + "?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n"
                + java.util.Base64.getMimeEncoder().encodeToString(gbk) + "\n";
        BounceReport r = BounceReader.read(message(raw));
        assertThat(r.form()).isEqualTo("chinese");
        assertThat(r.findings()).extracting(BounceReport.Finding::recipient).containsExactly("wrong@163.com");
        assertThat(r.findings().get(0).status()).isEqualTo("5.0.0");
        assertThat(r.messageIds()).containsExactly("<m3@example.com>");
    }

    @Test
    void brokenMimeAndEndlessTextAreNotBouncesAndDoNotThrow() throws Exception {
        BounceReport broken = BounceReader.read(message("""
                From: MAILER-DAEMON@mail.example.com
                Subject: Undelivered Mail Returned to Sender
                Content-Type: multipart/report; report-type=delivery-status; boundary="never-closed"

                --never-closed
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mail.example.com
                garbage without a blank line
                """));
        assertThat(broken.kind()).isNotNull();
        String huge = "From: MAILER-DAEMON@mail.example.com\nSubject: Undelivered Mail\n\n"
                + "x".repeat(5_000_000) + "\n550 5.1.1 dead@example.net\n";
        BounceReport big = BounceReader.read(message(huge));
        assertThat(big.findings()).as("only the first %d characters are read", BounceReader.TEXT_LIMIT).isEmpty();
        assertThat(BounceReader.read(message("Subject: hi\n\nhello\n")).kind()).isEqualTo(BounceReport.Kind.OTHER);
    }
}
