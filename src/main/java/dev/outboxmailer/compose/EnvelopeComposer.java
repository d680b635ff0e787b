package dev.outboxmailer.compose;

import dev.outboxmailer.message.OutgoingMessage;
import jakarta.activation.DataHandler;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.ParameterList;
import jakarta.mail.util.ByteArrayDataSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Builds the MIME message an envelope draft (SPEC §4.2) describes, by the rules of SPEC §4.5: UTF-8
 * text, encoded-words for non-ASCII header text, RFC 2231 attachment names, 7-bit-safe encodings, and
 * only the multipart levels the content needs: mixed[ related[ alternative[text, html], inline ], files ].
 * Bcc recipients go on the envelope only; no Bcc header is written.
 */
final class EnvelopeComposer {

    private static final String UTF_8 = "UTF-8";

    /**
     * The most envelope recipients one message may have. RFC 5321 only promises 100 per message; large
     * providers accept 100 to 500 (some refuse the rest with 452, which would half-send the draft), so
     * a longer list is refused before any connection is opened.
     */
    static final int MAX_RECIPIENTS = 500;

    private final Session session;
    private final ComposeSettings settings;

    EnvelopeComposer(Session session, ComposeSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    /**
     * @param source the draft it was read from: attachment paths resolve in its attachment root, and the files
     *               they name stay open (for sending) until it is closed
     * @param naming how reasons name the draft's fields: JSON field names, or a note's header names
     */
    OutgoingMessage compose(EnvelopeDraft draft, Draft source, Naming naming) throws InvalidDraftException {
        HeaderSafety.requireSingleLine(naming.field("subject"), draft.subject());
        InternetAddress from = from(draft.from(), naming);
        List<InternetAddress> to = Addresses.parse(naming.field("to"), draft.to());
        List<InternetAddress> cc = Addresses.parse(naming.field("cc"), draft.cc());
        List<InternetAddress> bcc = Addresses.parse(naming.field("bcc"), draft.bcc());
        List<InternetAddress> replyTo = Addresses.parse(naming.field("replyTo"), draft.replyTo());
        if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) {
            throw new InvalidDraftException("the draft has no recipients: give at least one address in "
                    + naming.field("to") + ", " + naming.field("cc") + " or " + naming.field("bcc"));
        }
        if (draft.messageId() != null) {
            HeaderSafety.requireMessageId(naming.field("messageId"), draft.messageId());
        }
        Map<String, String> headers = draft.headers() == null ? Map.of() : draft.headers();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            HeaderSafety.requireAllowedHeaderName(header.getKey());
            if (header.getValue() == null) {
                throw new InvalidDraftException(naming.field("headers") + ": " + HeaderSafety.quoted(header.getKey()) + " has no value");
            }
            HeaderSafety.requireSingleLine(naming.header(header.getKey()), header.getValue());
        }
        if (draft.html() != null && draft.markdown() != null) {
            throw new InvalidDraftException("the draft gives both " + naming.field("html") + " and " + naming.field("markdown")
                    + "; give one of them (markdown is rendered to html)");
        }
        ListUnsubscribe unsubscribe = ListUnsubscribe.of(draft.unsubscribe(), naming);
        List<AttachmentResolver.ResolvedAttachment> attachments =
                new AttachmentResolver(source.attachmentRoot(), settings.maxSizeBytes(), naming, source::keepOpen)
                        .resolve(draft.attachments());

        String html = draft.html();
        String text = draft.text();
        try {
            if (draft.markdown() != null) {
                html = MarkdownRenderer.render(draft.markdown()).html();
            }
            if (text == null && html != null) {
                text = HtmlToText.convert(html); // the plain-text alternative every html body gets
            }
        } catch (StackOverflowError e) {
            throw new InvalidDraftException("the html body is nested too deeply to read; no person writes that, "
                    + "so the draft is refused");
        }
        return build(new Parts(from, to, cc, bcc, replyTo, draft.subject(), text, html, attachments, headers,
                draft.messageId(), unsubscribe));
    }

    /** Everything a message is made of, checked and resolved. {@code text} or {@code html} may be null, not both needed. */
    record Parts(InternetAddress from, List<InternetAddress> to, List<InternetAddress> cc, List<InternetAddress> bcc,
                 List<InternetAddress> replyTo, String subject, String text, String html,
                 List<AttachmentResolver.ResolvedAttachment> attachments, Map<String, String> headers, String messageId,
                 ListUnsubscribe unsubscribe) {}

    /** The MIME message of checked parts: headers encoded and folded, only the multipart levels needed, size checked. */
    OutgoingMessage build(Parts p) throws InvalidDraftException {
        List<InternetAddress> all = new ArrayList<>(p.to());
        all.addAll(p.cc());
        all.addAll(p.bcc());
        List<InternetAddress> envelope = Addresses.distinct(all);
        if (envelope.size() > MAX_RECIPIENTS) {
            throw new InvalidDraftException(String.format(
                    "the draft has %,d recipients; one message goes to at most %,d (mail servers refuse more per message, "
                            + "many already past 100): split the list into several drafts or use a mailing list",
                    envelope.size(), MAX_RECIPIENTS));
        }
        OutgoingMessage message = new OutgoingMessage(session);
        try {
            message.setFrom(p.from());
            if (!p.to().isEmpty()) {
                message.setRecipients(Message.RecipientType.TO, p.to().toArray(new InternetAddress[0]));
            }
            if (!p.cc().isEmpty()) {
                message.setRecipients(Message.RecipientType.CC, p.cc().toArray(new InternetAddress[0]));
            }
            if (!p.replyTo().isEmpty()) {
                message.setReplyTo(p.replyTo().toArray(new InternetAddress[0]));
            }
            if (p.subject() != null) {
                message.setHeader("Subject", HeaderText.unstructured("Subject", p.subject()));
            }
            message.setSentDate(new Date());
            message.setHeader("Message-ID", p.messageId() != null ? p.messageId() : MessageIds.newFor(p.from()));
            for (Map.Entry<String, String> header : p.headers().entrySet()) {
                message.addHeader(header.getKey(), HeaderText.unstructured(header.getKey(), header.getValue()));
            }
            if (p.unsubscribe() != null) {
                message.setHeader("List-Unsubscribe", p.unsubscribe().header());
                if (p.unsubscribe().oneClick()) {
                    message.setHeader("List-Unsubscribe-Post", ListUnsubscribe.POST);
                }
            }
            message.setSignedHeaderNames(List.copyOf(p.headers().keySet()));
            setBody(message, p.text(), p.html(), p.attachments());
            message.saveChanges();
        } catch (MessagingException e) {
            throw new InvalidDraftException("the message cannot be built from the draft: " + e.getMessage(), e);
        }
        message.setEnvelopeRecipients(envelope);
        SizeLimit.requireWithin(message, settings.maxSizeBytes());
        return message;
    }

    private InternetAddress from(String written, Naming naming) throws InvalidDraftException {
        if (written != null) {
            List<InternetAddress> parsed = Addresses.parse(naming.field("from"), List.of(written));
            if (parsed.size() != 1) {
                throw new InvalidDraftException(naming.field("from") + ": " + HeaderSafety.quoted(written) + " must be exactly one address");
            }
            return parsed.get(0);
        }
        return defaultFrom("set " + naming.field("from") + " in the draft or mail.from in the configuration");
    }

    /** mail.from, made safe to send; {@code hint} says how to give one where it is missing. */
    InternetAddress defaultFrom(String hint) throws InvalidDraftException {
        if (settings.defaultFrom() == null) {
            throw new InvalidDraftException("no From: " + hint);
        }
        return Addresses.normalized("mail.from", settings.defaultFrom());
    }

    private void setBody(OutgoingMessage message, String text, String html, List<AttachmentResolver.ResolvedAttachment> attachments)
            throws MessagingException {
        List<AttachmentResolver.ResolvedAttachment> related = new ArrayList<>();
        List<AttachmentResolver.ResolvedAttachment> files = new ArrayList<>();
        for (AttachmentResolver.ResolvedAttachment a : attachments) {
            (a.inline() && html != null ? related : files).add(a);
        }

        MimeMultipart content = null;
        MimeBodyPart single = null;
        if (text != null && html != null) {
            content = new MimeMultipart("alternative");
            content.addBodyPart(textPart(text, "plain"));
            content.addBodyPart(textPart(html, "html"));
        } else {
            single = html != null ? textPart(html, "html") : textPart(text != null ? text : "", "plain");
        }
        if (!related.isEmpty()) {
            MimeMultipart wrapper = new RelatedMultipart(content != null ? "multipart/alternative" : "text/html");
            wrapper.addBodyPart(content != null ? wrap(content) : single);
            for (AttachmentResolver.ResolvedAttachment a : related) {
                wrapper.addBodyPart(attachmentPart(a));
            }
            content = wrapper;
            single = null;
        }
        if (!files.isEmpty()) {
            MimeMultipart wrapper = new MimeMultipart("mixed");
            wrapper.addBodyPart(content != null ? wrap(content) : single);
            for (AttachmentResolver.ResolvedAttachment a : files) {
                wrapper.addBodyPart(attachmentPart(a));
            }
            content = wrapper;
        }
        if (content != null) {
            message.setContent(content);
        } else if (html != null) {
            message.setText(html, UTF_8, "html");
        } else {
            message.setText(text != null ? text : "", UTF_8, "plain");
        }
    }

    private static MimeBodyPart textPart(String body, String subtype) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(body, UTF_8, subtype);
        return part;
    }

    private static MimeBodyPart wrap(MimeMultipart multipart) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setContent(multipart);
        return part;
    }

    /**
     * An attachment part: base64 always (so the bytes arrive identical, whatever their line endings),
     * the name as an RFC 2231 UTF-8 parameter in both Content-Type and Content-Disposition (set here with
     * an explicit charset: Jakarta Mail would otherwise use the JVM's default one).
     */
    private static MimeBodyPart attachmentPart(AttachmentResolver.ResolvedAttachment a) throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setDataHandler(new DataHandler(a.source()));

        ContentType type = new ContentType(a.contentType());
        if (type.getParameterList() == null) {
            type.setParameterList(new ParameterList());
        }
        type.getParameterList().set("name", a.name(), UTF_8);
        part.setHeader("Content-Type", type.toString());

        ContentDisposition disposition = new ContentDisposition(a.inline() ? Part.INLINE : Part.ATTACHMENT);
        ParameterList dispositionParameters = new ParameterList();
        dispositionParameters.set("filename", a.name(), UTF_8);
        disposition.setParameterList(dispositionParameters);
        part.setHeader("Content-Disposition", disposition.toString());

        part.setHeader("Content-Transfer-Encoding", "base64");
        if (a.cid() != null) {
            part.setContentID("<" + a.cid() + ">");
        }
        return part;
    }

    /** multipart/related with the {@code type} parameter RFC 2387 asks for: the type of its first (root) part. */
    private static final class RelatedMultipart extends MimeMultipart {
        RelatedMultipart(String rootType) throws MessagingException {
            super("related");
            ContentType type = new ContentType(contentType);
            type.setParameter("type", rootType);
            contentType = type.toString();
        }
    }
}
