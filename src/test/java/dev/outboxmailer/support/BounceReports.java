package dev.outboxmailer.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Bounce reports shaped like the real ones (headers, MIME structure, wording) of Postfix (RFC 3464), Microsoft
 * Exchange, Gmail, Exim, QQ Mail, and an out-of-office reply, for a message sent under {@code messageId} to
 * {@code rcpt}.
 */
public final class BounceReports {
    private BounceReports() {}

    /** Postfix, RFC 3464 multipart/report: failed 5.1.1, with the returned headers (text/rfc822-headers). */
    public static String postfix(String reportId, String messageId, String rcpt, String action, String status) {
        String diag = status.startsWith("5") ? "smtp; 550 5.1.1 <" + rcpt + ">: Recipient address rejected: User unknown in virtual mailbox table"
                : "smtp; 451 4.4.1 Connection timed out";
        return """
                Return-Path: <>
                Received: by mail.example.com (Postfix) id 3F1A22C0123; Wed,  2 Dec 2026 07:40:01 +0000 (UTC)
                Date: Wed,  2 Dec 2026 07:40:01 +0000 (UTC)
                From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
                Subject: %SUBJECT%
                To: bounces@example.com
                Auto-Submitted: auto-replied
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status;
                	boundary="3F1A22C0123.1764661201/mail.example.com"
                Content-Transfer-Encoding: 8bit
                Message-Id: %REPORTID%

                This is a MIME-encapsulated message.

                --3F1A22C0123.1764661201/mail.example.com
                Content-Description: Notification
                Content-Type: text/plain; charset=us-ascii

                This is the mail system at host mail.example.com.

                I'm sorry to have to inform you that your message could not
                be delivered to one or more recipients. It's attached below.

                                   The mail system

                <%RCPT%>: host mx.example.net[203.0.113.25] said: %DIAGTEXT%

                --3F1A22C0123.1764661201/mail.example.com
                Content-Description: Delivery report
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mail.example.com
                X-Postfix-Queue-ID: 3F1A22C0123
                X-Postfix-Sender: rfc822; mailer@example.com
                Arrival-Date: Wed,  2 Dec 2026 07:39:58 +0000 (UTC)

                Final-Recipient: rfc822; %RCPT%
                Original-Recipient: rfc822;%RCPT%
                Action: %ACTION%
                Status: %STATUS%
                Remote-MTA: dns; mx.example.net
                Diagnostic-Code: %DIAG%

                --3F1A22C0123.1764661201/mail.example.com
                Content-Description: Undelivered Message Headers
                Content-Type: text/rfc822-headers
                Content-Transfer-Encoding: 8bit

                Return-Path: <mailer@example.com>
                From: Outbox Mailer <mailer@example.com>
                To: %RCPT%
                Subject: Invoice
                Message-ID: %MID%
                MIME-Version: 1.0

                --3F1A22C0123.1764661201/mail.example.com--
                """.replace("%SUBJECT%", action.equals("failed") ? "Undelivered Mail Returned to Sender"
                        : "Delayed Mail (still being retried)")
                .replace("%REPORTID%", reportId).replace("%MID%", messageId).replace("%RCPT%", rcpt)
                .replace("%ACTION%", action).replace("%STATUS%", status).replace("%DIAG%", diag)
                .replace("%DIAGTEXT%", diag.substring(6));
    }

    /** A classic Exchange NDR: HTML text naming the recipient and the 5.1.10 code, the original attached. */
    public static String exchange(String messageId, String rcpt) {
        return """
                From: Microsoft Outlook <postmaster@contoso.com>
                To: bounces@example.com
                Date: Wed, 2 Dec 2026 07:41:00 +0000
                Subject: Undeliverable: Invoice
                Message-ID: <ndr-77f1@contoso.com>
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="_ndr_boundary_"
                X-MS-Exchange-Message-Is-Ndr:

                --_ndr_boundary_
                Content-Type: text/html; charset="utf-8"
                Content-Transfer-Encoding: quoted-printable

                <html><body><p><b>Your message to %RCPT% couldn't be delivered.</b></p>
                <p>%RCPT% wasn't found at contoso.com.</p>
                <p>Delivery has failed to these recipients or groups:</p>
                <p>%RCPT%<br>The email address you entered couldn't be found.</p>
                <p>Diagnostic information for administrators:</p>
                <p>Generating server: DM6PR01MB1234.namprd01.prod.outlook.com<br>
                %RCPT%<br>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'</p>
                </body></html>

                --_ndr_boundary_
                Content-Type: message/rfc822

                From: Outbox Mailer <mailer@example.com>
                To: %RCPT%, alice@example.org
                Subject: Invoice
                Message-ID: %MID%

                The invoice.

                --_ndr_boundary_--
                """.replace("%MID%", messageId).replace("%RCPT%", rcpt);
    }

    /** A Gmail bounce in plain text, the original message quoted below its headers. */
    public static String gmail(String messageId, String rcpt) {
        return """
                From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
                To: bounces@example.com
                Date: Wed, 2 Dec 2026 07:42:00 +0000
                Subject: Delivery Status Notification (Failure)
                Message-ID: <5f2b.gmail-bounce@mx.google.com>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8

                ** Address not found **

                Your message wasn't delivered to %RCPT% because the address couldn't be found, or is unable to receive mail.

                The response from the remote server was:
                550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser

                ----- Original message -----

                From: Outbox Mailer <mailer@example.com>
                To: %RCPT%, alice@example.org
                Subject: Invoice
                Message-ID: %MID%
                """.replace("%MID%", messageId).replace("%RCPT%", rcpt);
    }

    /** A QQ Mail 退信 notice: Chinese text (UTF-8, base64), the original Message-ID quoted in it. */
    public static String qq(String messageId, String rcpt) {
        String text = """
                很抱歉您发送的邮件被退回，以下是该邮件的相关信息：
                收件人：%RCPT%
                退信原因：收件人地址不存在 (550 Mailbox not found)

                ------------------ 原邮件 ------------------
                发件人：mailer@example.com
                Message-ID: %MID%
                主题：Invoice
                """.replace("%MID%", messageId).replace("%RCPT%", rcpt);
        String body = Base64.getMimeEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        return """
                From: =?UTF-8?B?57O757uf6YCA5L+h?= <PostMaster@qq.com>
                To: bounces@example.com
                Date: Wed, 2 Dec 2026 15:43:00 +0800
                Subject: =?UTF-8?B?57O757uf6YCA5L+h?=
                Message-ID: <tuixin-20261202154300@qq.com>
                MIME-Version: 1.0
                Content-Type: text/plain; charset="utf-8"
                Content-Transfer-Encoding: base64

                """ + body + "\n";
    }

    /** An out-of-office reply to the message: not a bounce, though it names the recipient and the Message-ID. */
    public static String outOfOffice(String messageId, String from) {
        return """
                From: Alice <%FROM%>
                To: bounces@example.com
                Date: Wed, 2 Dec 2026 07:44:00 +0000
                Subject: Automatic reply: Invoice
                Message-ID: <ooo-1@example.org>
                In-Reply-To: %MID%
                Auto-Submitted: auto-replied
                X-Auto-Response-Suppress: All
                Content-Type: text/plain; charset=us-ascii

                I am out of the office until Monday, 550 5.1.1 is not my problem.
                Message-ID: %MID%
                """.replace("%MID%", messageId).replace("%FROM%", from);
    }

    public static String unrelated() {
        return """
                From: Newsletter <news@shop.example>
                To: bounces@example.com
                Date: Wed, 2 Dec 2026 07:45:00 +0000
                Subject: Our winter sale
                Message-ID: <news-1@shop.example>
                Content-Type: text/plain; charset=us-ascii

                Everything must go.
                """;
    }
}
