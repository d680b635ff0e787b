package dev.outboxmailer.compose;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;
import java.util.Map;

/**
 * An envelope draft (SPEC §4.2) as written in a {@code .json}, {@code .yaml} or {@code .yml} file: the
 * fields exactly as given, not yet checked. {@code to}, {@code cc}, {@code bcc} and {@code replyTo}
 * take a single string or a list.
 */
record EnvelopeDraft(
        String from,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> to,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cc,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> bcc,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> replyTo,
        String subject,
        String text,
        String html,
        String markdown,
        List<Attachment> attachments,
        Map<String, String> headers,
        String messageId,
        Unsubscribe unsubscribe) {

    /** The field names a draft may use, in the order the SPEC lists them. */
    static final List<String> FIELDS = List.of("from", "to", "cc", "bcc", "replyTo", "subject", "text", "html",
            "markdown", "attachments", "headers", "messageId", "unsubscribe");

    /** The draft without the unsubscribe field (the composer's callers before SPEC §12). */
    EnvelopeDraft(String from, List<String> to, List<String> cc, List<String> bcc, List<String> replyTo, String subject,
                  String text, String html, String markdown, List<Attachment> attachments, Map<String, String> headers,
                  String messageId) {
        this(from, to, cc, bcc, replyTo, subject, text, html, markdown, attachments, headers, messageId, null);
    }

    /**
     * One-click unsubscribe (SPEC §12): an https {@code url} and/or a {@code mailto} address, which become the
     * List-Unsubscribe and List-Unsubscribe-Post headers.
     */
    record Unsubscribe(String url, String mailto) {
        static final List<String> FIELDS = List.of("url", "mailto");
    }

    /**
     * One attachment: its bytes by {@code path} (relative to the outbox folder) or by {@code content}
     * (base64); an inline one carries the {@code cid} its html refers to as {@code cid:...}.
     */
    record Attachment(String path, String content, String name, String contentType, Boolean inline, String cid) {
        static final List<String> FIELDS = List.of("path", "content", "name", "contentType", "inline", "cid");
    }
}
