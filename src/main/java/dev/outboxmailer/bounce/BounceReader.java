package dev.outboxmailer.bounce;

import dev.outboxmailer.bounce.BounceReport.Finding;
import dev.outboxmailer.bounce.BounceReport.Kind;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimePartDataSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.dsn.DeliveryStatus;
import org.jsoup.Jsoup;

/**
 * Reads a message of the bounce mailbox: an RFC 3464 delivery status notification (with Angus Mail's
 * {@link DeliveryStatus}), one of the common non-standard forms (Microsoft Exchange NDRs, Gmail, Postfix and
 * Exim "returned mail", QQ/163 退信 notices), an auto-reply (not a bounce), or anything else. It reads at most
 * {@link #TEXT_LIMIT} characters of text and {@link #HEADERS_LIMIT} bytes of returned headers, walks at most
 * {@link #PARTS_LIMIT} parts, and never throws on broken MIME: what it cannot read is not a bounce.
 */
public final class BounceReader {
    static final int TEXT_LIMIT = 256 * 1024;
    static final int HEADERS_LIMIT = 64 * 1024;
    static final int PARTS_LIMIT = 64;
    private static final int DEPTH_LIMIT = 6;

    private static final Pattern DAEMON = Pattern.compile(
            "(?i)^(mailer-?daemon|postmaster|mail-?daemon|mdaemon|mail\\.?delivery.*|bounces?|no-?reply-?dsn)@.*");
    private static final Pattern BOUNCE_SUBJECT = Pattern.compile("(?i)(undeliverable|undelivered mail|"
            + "returned mail|returning message to sender|mail delivery failed|delivery status notification|"
            + "delivery failure|failure notice|could not be delivered|delivery has failed|message not delivered|"
            + "delayed mail|delivery delayed|warning: message .* delayed|"
            + "退信|系统退信|投递失败|发送失败|未能成功送达|邮件被退回)");
    private static final Pattern AUTO_SUBJECT = Pattern.compile(
            "(?i)^(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|auto:|autoreply|abwesenheit|"
            + "自动回复|休假)");
    private static final Pattern ENHANCED = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![.\\d])");
    private static final Pattern BASIC = Pattern.compile("(?<![\\d.])([45][0-5]\\d)(?=[ -])");
    /** Bounded and anchored at the start of a run, so that a long run of letters costs linear time. */
    private static final Pattern ADDRESS = Pattern.compile(
            "(?<![A-Za-z0-9._%+\\-])[A-Za-z0-9._%+\\-]{1,64}@[A-Za-z0-9.\\-]{1,253}");
    private static final Pattern DOMAIN_END = Pattern.compile(".*\\.[A-Za-z]{2,63}");
    private static final Pattern QUOTED_ID = Pattern.compile("(?im)^\\s*Message-ID:\\s*(<[^<>\\s]{3,250}>)");
    private static final Pattern DELAYED = Pattern.compile(
            "(?i)(delayed|delay|still being retried|will (continue to )?retry|has not yet been delivered|"
            + "temporar|延迟|暂时)");
    /** Where a non-standard bounce starts quoting the returned message: addresses below it are not recipients it names. */
    private static final Pattern QUOTE_START = Pattern.compile("(?im)^(\\s*-{2,}.*(copy of the message|original message|"
            + "returned message|undelivered message|message headers|原邮件|原始邮件).*$|\\s*original message headers:.*$|"
            + "(return-path|received|message-id|dkim-signature|x-mailer):)");

    private BounceReader() {}

    public static BounceReport read(Part message) {
        try {
            return readOrThrow(message);
        } catch (MessagingException | IOException | RuntimeException e) {
            return BounceReport.other(); // broken MIME: not a bounce we can use
        }
    }

    private static BounceReport readOrThrow(Part message) throws MessagingException, IOException {
        Parts parts = new Parts();
        parts.walk(message, 0);
        String from = firstFrom(message);
        boolean daemon = from != null && DAEMON.matcher(from).matches();
        String subject = header(message, "Subject");
        subject = subject == null ? "" : subject;
        if (parts.status != null) {
            return standard(parts);
        }
        if (!daemon && autoReply(message, subject)) {
            return BounceReport.autoReply();
        }
        String text = parts.text.toString();
        if (!daemon && !BOUNCE_SUBJECT.matcher(subject).find()) {
            return BounceReport.other();
        }
        return nonStandard(from, subject, text, parts);
    }

    /** RFC 3464: one finding per recipient whose action is failed or delayed. */
    private static BounceReport standard(Parts parts) {
        InternetHeaders about = parts.status.getMessageDSN();
        String mta = value(about.getHeader("Reporting-MTA", null));
        String envid = about.getHeader("Original-Envelope-Id", null);
        List<Finding> findings = new ArrayList<>();
        for (int i = 0; i < parts.status.getRecipientDSNCount(); i++) {
            InternetHeaders r = parts.status.getRecipientDSN(i);
            String action = lower(r.getHeader("Action", null));
            if (!"failed".equals(action) && !"delayed".equals(action)) {
                continue; // delivered, relayed, expanded: not a bounce
            }
            String recipient = value(r.getHeader("Final-Recipient", null));
            String original = value(r.getHeader("Original-Recipient", null));
            if (original != null && original.contains("@")) {
                recipient = original;
            }
            if (recipient == null || !recipient.contains("@")) {
                recipient = null; // only a strong match (ENVID, VERP) of a one-recipient draft can place it
            }
            String status = enhanced(r.getHeader("Status", null));
            String diagnostic = value(r.getHeader("Diagnostic-Code", null));
            findings.add(new Finding(recipient, action, status, clip(diagnostic), mta));
        }
        List<String> ids = new ArrayList<>(parts.returnedIds);
        boolean fromHeaders = !ids.isEmpty();
        addQuoted(ids, parts.text.toString());
        return new BounceReport(findings.isEmpty() ? Kind.OTHER : Kind.BOUNCE, "rfc3464", findings,
                envid == null ? null : envid.strip(), List.copyOf(ids), fromHeaders);
    }

    /** Exchange, Gmail, Postfix/Exim, QQ/163: the status from the text, each address the text names before the quoted original. */
    private static BounceReport nonStandard(String from, String subject, String text, Parts parts) {
        String form = form(from, subject, text);
        Matcher quote = QUOTE_START.matcher(text);
        String own = quote.find() ? text.substring(0, quote.start()) : text;
        Matcher e = ENHANCED.matcher(own);
        String status = null;
        String diagnostic = null;
        if (e.find()) {
            status = e.group(1) + "." + e.group(2) + "." + e.group(3);
            diagnostic = lineAround(own, e.start());
        } else {
            Matcher b = BASIC.matcher(own);
            if (b.find()) {
                status = b.group(1).charAt(0) + ".0.0";
                diagnostic = lineAround(own, b.start());
            } else if (own.matches("(?is).*(permanent|permanently|does not exist|user unknown|no such user|不存在|无效).*")) {
                status = "5.0.0";
            }
        }
        String action = status != null && status.startsWith("5") ? "failed"
                : status != null && status.startsWith("4") ? "delayed"
                : DELAYED.matcher(subject + "\n" + own).find() ? "delayed" : "failed";
        if (status != null && status.startsWith("2")) {
            return BounceReport.other(); // a success notice
        }
        Set<String> named = new LinkedHashSet<>();
        Matcher a = ADDRESS.matcher(own);
        while (a.find() && named.size() < 200) {
            String address = a.group().replaceAll("[.\\-]+$", "");
            if (DOMAIN_END.matcher(address).matches() && !address.equalsIgnoreCase(from)) {
                named.add(address);
            }
        }
        List<Finding> findings = new ArrayList<>();
        for (String address : named) {
            findings.add(new Finding(address, action, status, clip(diagnostic), parts.reportingMta(from)));
        }
        if (findings.isEmpty() && status != null) {
            // names no address but a status: only a strong match (ENVID, VERP) of a one-recipient draft can place it
            findings.add(new Finding(null, action, status, clip(diagnostic), parts.reportingMta(from)));
        }
        List<String> ids = new ArrayList<>(parts.returnedIds);
        boolean fromHeaders = !ids.isEmpty();
        addQuoted(ids, text);
        return new BounceReport(findings.isEmpty() ? Kind.OTHER : Kind.BOUNCE, form, findings, null, List.copyOf(ids),
                fromHeaders);
    }

    private static String form(String from, String subject, String text) {
        String all = (from == null ? "" : from) + "\n" + subject + "\n" + text;
        if (all.contains("退信") || all.matches("(?s).*(qq\\.com|163\\.com|126\\.com).*[\\u4e00-\\u9fff].*")) {
            return "chinese";
        }
        if (all.contains("Delivery has failed to these recipients") || all.contains("Diagnostic information for administrators")
                || all.contains("Microsoft Exchange")) {
            return "exchange";
        }
        if (all.contains("googlemail.com") || all.contains("Google tried to deliver") || all.contains("wasn't delivered to")
                || all.contains("Delivery to the following recipient")) {
            return "gmail";
        }
        if (all.contains("This is the mail system at host") || all.contains("Postfix")) {
            return "postfix";
        }
        if (all.contains("This message was created automatically by mail delivery software")) {
            return "exim";
        }
        return "returned-mail";
    }

    private static boolean autoReply(Part message, String subject) throws MessagingException {
        String auto = lower(header(message, "Auto-Submitted"));
        if (auto != null && !auto.startsWith("no")) {
            return true;
        }
        if (header(message, "X-Autoreply") != null || header(message, "X-Autorespond") != null
                || header(message, "X-Auto-Response-Suppress") != null && subject.matches("(?i)^(automatic reply|out of office).*")) {
            return true;
        }
        String precedence = lower(header(message, "Precedence"));
        if ("auto_reply".equals(precedence)) {
            return true;
        }
        return AUTO_SUBJECT.matcher(subject.strip()).find();
    }

    /** Walks the MIME tree once, boundedly: the delivery-status part, the returned headers, the text. */
    private static final class Parts {
        DeliveryStatus status;
        final List<String> returnedIds = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        String receivedBy;
        int seen;

        void walk(Part part, int depth) throws MessagingException, IOException {
            if (depth > DEPTH_LIMIT || seen++ > PARTS_LIMIT) {
                return;
            }
            if (depth == 0 && part instanceof MimePart mime) {
                receivedBy = mime.getHeader("Received", null);
            }
            ContentType type = type(part);
            String base = type == null ? "text/plain" : type.getBaseType().toLowerCase(Locale.ROOT);
            if (base.startsWith("multipart/")) {
                Multipart multipart = multipart(part);
                if (multipart == null) {
                    return;
                }
                for (int i = 0; i < multipart.getCount() && seen <= PARTS_LIMIT; i++) {
                    BodyPart child = multipart.getBodyPart(i);
                    walk(child, depth + 1);
                }
            } else if (base.equals("message/delivery-status") || base.equals("message/global-delivery-status")) {
                if (status == null) {
                    try (InputStream in = bounded(part.getInputStream(), HEADERS_LIMIT)) {
                        status = new DeliveryStatus(in);
                    } catch (MessagingException | IOException | RuntimeException e) {
                        status = null; // a broken report: read on as text
                    }
                }
            } else if (base.equals("text/rfc822-headers") || base.equals("message/rfc822")
                    || base.equals("message/global") || base.equals("message/global-headers")) {
                String id = null;
                try (InputStream in = bounded(part.getInputStream(), HEADERS_LIMIT)) {
                    id = new InternetHeaders(in).getHeader("Message-ID", null);
                } catch (MessagingException | IOException | RuntimeException e) {
                    // no returned headers in the part's bytes
                }
                if ((id == null || id.isBlank()) && !base.endsWith("headers")) {
                    // over IMAP a message/rfc822 part's stream may be its body alone: ask the nested message
                    try {
                        if (part.getContent() instanceof jakarta.mail.Message nested) {
                            String[] ids = nested.getHeader("Message-ID");
                            id = ids == null || ids.length == 0 ? null : ids[0];
                        }
                    } catch (MessagingException | IOException | RuntimeException e) {
                        id = null;
                    }
                }
                if (id != null && !id.isBlank() && returnedIds.size() < 4) {
                    returnedIds.add(id.strip());
                }
            } else if (base.equals("text/plain") || base.equals("text/html")) {
                if (text.length() >= TEXT_LIMIT || Part.ATTACHMENT.equalsIgnoreCase(disposition(part)) && depth > 1) {
                    return;
                }
                String content = readText(part, type);
                if (base.equals("text/html")) {
                    content = Jsoup.parse(content).wholeText();
                }
                text.append(content, 0, Math.min(content.length(), TEXT_LIMIT - text.length())).append('\n');
            }
        }

        String reportingMta(String from) {
            if (from != null && from.contains("@")) {
                return from.substring(from.indexOf('@') + 1);
            }
            return null;
        }
    }

    private static Multipart multipart(Part part) {
        try {
            Object content = part.getContent();
            if (content instanceof Multipart m) {
                return m;
            }
        } catch (MessagingException | IOException | RuntimeException e) {
            // e.g. a multipart/report that Angus's handler cannot take: read it as a plain multipart
        }
        try {
            if (part instanceof MimePart mime) {
                return new MimeMultipart(new MimePartDataSource(mime));
            }
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static String readText(Part part, ContentType type) {
        Charset charset = StandardCharsets.UTF_8;
        try {
            String name = type == null ? null : type.getParameter("charset");
            if (name != null) {
                charset = Charset.forName(jakarta.mail.internet.MimeUtility.javaCharset(name.strip()));
            }
        } catch (RuntimeException e) {
            charset = StandardCharsets.UTF_8;
        }
        try (InputStream in = bounded(part.getInputStream(), TEXT_LIMIT * 4)) {
            return new String(in.readAllBytes(), charset);
        } catch (MessagingException | IOException | RuntimeException e) {
            return "";
        }
    }

    private static InputStream bounded(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit);
        in.close();
        return new ByteArrayInputStream(bytes);
    }

    private static ContentType type(Part part) {
        try {
            String raw = part.getContentType();
            return raw == null ? null : new ContentType(raw);
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    private static String disposition(Part part) {
        try {
            return part.getDisposition();
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    private static String firstFrom(Part message) {
        try {
            String raw = header(message, "From");
            if (raw == null) {
                return null;
            }
            Address[] from = InternetAddress.parseHeader(raw, false);
            return from.length > 0 && from[0] instanceof InternetAddress a ? a.getAddress() : null;
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    private static String header(Part part, String name) throws MessagingException {
        String[] values = part.getHeader(name);
        if (values == null || values.length == 0) {
            return null;
        }
        try {
            return jakarta.mail.internet.MimeUtility.decodeText(values[0]);
        } catch (java.io.UnsupportedEncodingException e) {
            return values[0];
        }
    }

    private static void addQuoted(List<String> ids, String text) {
        Matcher m = QUOTED_ID.matcher(text);
        while (m.find() && ids.size() < 8) {
            if (!ids.contains(m.group(1))) {
                ids.add(m.group(1));
            }
        }
    }

    /** "rfc822; a@b" → "a@b"; "dns; mx.example" → "mx.example". */
    private static String value(String typed) {
        if (typed == null) {
            return null;
        }
        int semi = typed.indexOf(';');
        String v = (semi >= 0 ? typed.substring(semi + 1) : typed).strip();
        v = v.replaceAll("\\s+", " ");
        if (v.startsWith("<") && v.endsWith(">")) {
            v = v.substring(1, v.length() - 1);
        }
        return v.isEmpty() ? null : v;
    }

    private static String enhanced(String status) {
        if (status == null) {
            return null;
        }
        Matcher m = ENHANCED.matcher(status);
        return m.find() ? m.group(1) + "." + m.group(2) + "." + m.group(3) : null;
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }

    private static String lineAround(String text, int at) {
        int start = text.lastIndexOf('\n', at) + 1;
        int end = text.indexOf('\n', at);
        return text.substring(start, end < 0 ? text.length() : end).strip();
    }

    private static String clip(String s) {
        if (s == null) {
            return null;
        }
        String one = s.replaceAll("\\p{Cntrl}+", " ").strip();
        return one.length() > 500 ? one.substring(0, 500) + "…" : one;
    }

}
