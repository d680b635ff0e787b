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
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParameterList;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.UnsupportedEncodingException;
import java.nio.file.Path;
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

    private final Session session;
    private final ComposeSettings settings;

    EnvelopeComposer(Session session, ComposeSettings settings) {
        this.session = session;
        this.settings = settings;
    }

    OutgoingMessage compose(EnvelopeDraft draft, Path attachmentRoot) throws InvalidDraftException {
        HeaderSafety.requireSingleLine("subject", draft.subject());
        InternetAddress from = from(draft.from());
        List<InternetAddress> to = Addresses.parse("to", draft.to());
        List<InternetAddress> cc = Addresses.parse("cc", draft.cc());
        List<InternetAddress> bcc = Addresses.parse("bcc", draft.bcc());
        List<InternetAddress> replyTo = Addresses.parse("replyTo", draft.replyTo());
        List<InternetAddress> all = new ArrayList<>(to);
        all.addAll(cc);
        all.addAll(bcc);
        if (all.isEmpty()) {
            throw new InvalidDraftException("the draft has no recipients: give at least one address in \"to\", \"cc\" or \"bcc\"");
        }
        if (draft.messageId() != null) {
            HeaderSafety.requireMessageId(draft.messageId());
        }
        Map<String, String> headers = draft.headers() == null ? Map.of() : draft.headers();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            HeaderSafety.requireAllowedHeaderName(header.getKey());
            if (header.getValue() == null) {
                throw new InvalidDraftException("\"headers\": " + HeaderSafety.quoted(header.getKey()) + " has no value");
            }
            HeaderSafety.requireSingleLine("headers." + header.getKey(), header.getValue());
        }
        List<AttachmentResolver.ResolvedAttachment> attachments =
                new AttachmentResolver(attachmentRoot, settings.maxSizeBytes()).resolve(draft.attachments());

        OutgoingMessage message = new OutgoingMessage(session);
        try {
            message.setFrom(from);
            if (!to.isEmpty()) {
                message.setRecipients(Message.RecipientType.TO, to.toArray(new InternetAddress[0]));
            }
            if (!cc.isEmpty()) {
                message.setRecipients(Message.RecipientType.CC, cc.toArray(new InternetAddress[0]));
            }
            if (!replyTo.isEmpty()) {
                message.setReplyTo(replyTo.toArray(new InternetAddress[0]));
            }
            if (draft.subject() != null) {
                message.setSubject(draft.subject(), UTF_8);
            }
            message.setSentDate(new Date());
            message.setHeader("Message-ID", draft.messageId() != null ? draft.messageId() : MessageIds.newFor(from));
            for (Map.Entry<String, String> header : headers.entrySet()) {
                String name = header.getKey();
                message.addHeader(name, MimeUtility.fold(name.length() + 2, MimeUtility.encodeText(header.getValue(), UTF_8, null)));
            }
            setBody(message, draft, attachments);
            message.saveChanges();
        } catch (MessagingException | UnsupportedEncodingException e) {
            throw new InvalidDraftException("the message cannot be built from the draft: " + e.getMessage(), e);
        }
        message.setEnvelopeRecipients(Addresses.distinct(all));
        SizeLimit.requireWithin(message, settings.maxSizeBytes());
        return message;
    }

    private InternetAddress from(String written) throws InvalidDraftException {
        if (written != null) {
            List<InternetAddress> parsed = Addresses.parse("from", List.of(written));
            if (parsed.size() != 1) {
                throw new InvalidDraftException("\"from\": " + HeaderSafety.quoted(written) + " must be exactly one address");
            }
            return parsed.get(0);
        }
        if (settings.defaultFrom() == null) {
            throw new InvalidDraftException("no From: set \"from\" in the draft or mail.from in the configuration");
        }
        return Addresses.utf8(settings.defaultFrom());
    }

    private void setBody(OutgoingMessage message, EnvelopeDraft draft, List<AttachmentResolver.ResolvedAttachment> attachments)
            throws MessagingException {
        // TODO(markdown rendering, SPEC §4.2/§4.3 — a later issue): render markdown to html plus a text
        // alternative. Until then a markdown body is sent as it is written, as the plain-text body.
        String text = draft.text() != null ? draft.text() : draft.markdown();
        String html = draft.html();

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
        part.setDataHandler(new DataHandler(new ByteArrayDataSource(a.bytes(), a.contentType())));

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
