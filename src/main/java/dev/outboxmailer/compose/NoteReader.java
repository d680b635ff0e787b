package dev.outboxmailer.compose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a note (SPEC §4.3): a {@code .txt} or {@code .md} file that starts with header lines
 * ({@code Name: value}) up to the first blank line, followed by the body.
 *
 * <pre>
 * To: bob@example.com, "Doe, Jane" &lt;jane@example.org&gt;
 * Subject: 你好, world
 * Attach: files/report.pdf
 *
 * Body text (Markdown in a .md note).
 * </pre>
 *
 * The headers are To, Cc, Bcc, From, Reply-To, Subject, Message-ID and Attach, in any letter case, and
 * any {@code X-} header. To, Cc, Bcc, Reply-To and Attach may be repeated (their values add up); the
 * others may be given once. A line that starts with a space or tab continues the header above it. A
 * note without Subject gets its file name without the extension. In a {@code .md} note an attached
 * file whose name the body refers to as {@code cid:name} (as in {@code ![logo](cid:logo.png)}) is sent
 * inline. The note becomes an {@link EnvelopeDraft}; every value is then checked like an envelope's.
 */
final class NoteReader {

    private static final Set<String> LISTS = Set.of("to", "cc", "bcc", "reply-to");
    private static final Map<String, String> ENVELOPE_NAMES = Map.of(
            "from", "from", "to", "to", "cc", "cc", "bcc", "bcc", "reply-to", "replyTo", "subject", "subject",
            "message-id", "messageId");
    private static final String LAYOUT = "a note starts with header lines such as \"To: bob@example.com\" and "
            + "\"Subject: Hello\", then a blank line, then the body";

    /** A note read: the envelope it describes and how reasons name its parts (header and line). */
    record Note(EnvelopeDraft draft, Naming naming) {}

    private NoteReader() {}

    static Note read(String fileName, String text, boolean markdown) throws InvalidDraftException {
        return read(fileName, text, markdown, null);
    }

    /** @param defaultSubject the subject of a note without one (its folder's), or null for the file's base name */
    static Note read(String fileName, String text, boolean markdown, String defaultSubject) throws InvalidDraftException {
        List<Header> headers = new ArrayList<>();
        int offset = 0;
        int lineNumber = 0;
        String body = "";
        boolean blankLineSeen = false;
        while (offset < text.length()) {
            int end = text.indexOf('\n', offset);
            int next = end < 0 ? text.length() : end + 1;
            String line = text.substring(offset, end < 0 ? text.length() : end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            lineNumber++;
            offset = next;
            if (line.isBlank()) {
                if (headers.isEmpty()) {
                    throw new InvalidDraftException("line " + lineNumber + " is blank before any header; " + LAYOUT);
                }
                blankLineSeen = true;
                body = text.substring(offset);
                break;
            }
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                if (headers.isEmpty()) {
                    throw new InvalidDraftException("line 1 starts with a space; " + LAYOUT);
                }
                Header last = headers.get(headers.size() - 1);
                last.value.append(' ').append(line.strip());
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon > 0 ? line.substring(0, colon) : null;
            if (name == null || !isHeaderName(name)) {
                throw new InvalidDraftException((lineNumber == 1
                        ? "line 1 is not a header line: " + HeaderSafety.quoted(line) + "; "
                        : "line " + lineNumber + " is neither a header line (Name: value) nor the blank line that ends "
                                + "the headers: " + HeaderSafety.quoted(line) + "; ") + LAYOUT);
            }
            headers.add(new Header(name, lineNumber, new StringBuilder(line.substring(colon + 1).strip())));
        }
        if (!blankLineSeen) {
            body = "";
        }
        return toEnvelope(fileName, headers, body, markdown, defaultSubject);
    }

    private static Note toEnvelope(String fileName, List<Header> headers, String body, boolean markdown,
                                   String defaultSubject) throws InvalidDraftException {
        Map<String, List<String>> lists = new LinkedHashMap<>();
        Map<String, Header> singles = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        Map<String, String> custom = new LinkedHashMap<>();
        List<String> attach = new ArrayList<>();
        List<Integer> attachLines = new ArrayList<>();
        Map<String, Integer> customLines = new LinkedHashMap<>();
        EnvelopeDraft.Unsubscribe unsubscribe = null;

        for (Header h : headers) {
            String key = h.name.toLowerCase(Locale.ROOT);
            String value = h.value.toString();
            String label = "\"" + h.name + "\" (line " + h.line + ")";
            HeaderSafety.requireSingleLine(label, value);
            if (key.equals("attach")) {
                attach.add(value);
                attachLines.add(h.line);
            } else if (key.equals("list-unsubscribe")) {
                if (unsubscribe != null) {
                    throw new InvalidDraftException("the header \"" + h.name + "\" is given twice (lines "
                            + firstLine.get("list-unsubscribe") + " and " + h.line + "); give it once, with its links "
                            + "separated by commas");
                }
                firstLine.put("list-unsubscribe", h.line);
                unsubscribe = unsubscribe(label, value);
            } else if (LISTS.contains(key)) {
                lists.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                firstLine.putIfAbsent(key, h.line);
            } else if (ENVELOPE_NAMES.containsKey(key) || key.startsWith("x-")) {
                Header earlier = singles.putIfAbsent(key, h);
                if (earlier != null) {
                    throw new InvalidDraftException("the header \"" + h.name + "\" is given twice (lines " + earlier.line
                            + " and " + h.line + "); give it once");
                }
                if (key.startsWith("x-")) {
                    custom.put(h.name, value);
                    customLines.put(h.name, h.line);
                } else {
                    firstLine.put(key, h.line);
                }
            } else {
                throw new InvalidDraftException("line " + h.line + ": " + HeaderSafety.quoted(h.name)
                        + " is not a header a note can have; use To, Cc, Bcc, From, Reply-To, Subject, Attach, "
                        + "Message-ID, List-Unsubscribe or a header starting with X-");
            }
        }

        String subject = singles.containsKey("subject") ? singles.get("subject").value.toString()
                : defaultSubject != null ? defaultSubject : baseName(fileName);
        Map<String, String> cidsByName = new LinkedHashMap<>();
        if (markdown) {
            for (String cid : MarkdownRenderer.render(body).contentIds()) {
                cidsByName.put(cid, cid);
            }
        }
        List<EnvelopeDraft.Attachment> attachments = new ArrayList<>();
        for (String path : attach) {
            String name = fileNameOf(path);
            String cid = cidsByName.get(name);
            attachments.add(new EnvelopeDraft.Attachment(path, null, null, null, cid != null, cid));
        }
        EnvelopeDraft draft = new EnvelopeDraft(
                single(singles, "from"), lists.get("to"), lists.get("cc"), lists.get("bcc"), lists.get("reply-to"),
                subject, markdown ? null : body, null, markdown ? body : null,
                attachments, custom, single(singles, "message-id"), unsubscribe);
        return new Note(draft, naming(firstLine, attachLines, customLines));
    }

    private static Naming naming(Map<String, Integer> firstLine, List<Integer> attachLines, Map<String, Integer> customLines) {
        Map<String, String> headerOf = Map.of("from", "From", "to", "To", "cc", "Cc", "bcc", "Bcc", "replyTo", "Reply-To",
                "subject", "Subject", "messageId", "Message-ID", "html", "body", "markdown", "body", "headers", "X- header");
        return new Naming() {
            @Override
            public String field(String envelopeName) {
                String header = envelopeName.equals("unsubscribe") ? "List-Unsubscribe"
                        : headerOf.getOrDefault(envelopeName, envelopeName);
                Integer line = firstLine.get(header.toLowerCase(Locale.ROOT));
                return "\"" + header + "\"" + (line == null ? "" : " (line " + line + ")");
            }

            @Override
            public String header(String name) {
                Integer line = customLines.get(name);
                return "\"" + name + "\"" + (line == null ? "" : " (line " + line + ")");
            }

            @Override
            public String attachment(int index, String field) {
                return "\"Attach\" (line " + attachLines.get(index) + ")";
            }
        };
    }

    /**
     * A note's {@code List-Unsubscribe: <https://…>, <mailto:…>}: at most one https link and one mailto; any other
     * link is handed on as the url, which the composer refuses for not being https.
     */
    private static EnvelopeDraft.Unsubscribe unsubscribe(String label, String value) throws InvalidDraftException {
        String url = null;
        String mailto = null;
        for (String item : value.split(",")) {
            String link = item.strip();
            if (link.startsWith("<") && link.endsWith(">")) {
                link = link.substring(1, link.length() - 1).strip();
            }
            if (link.isEmpty()) {
                continue;
            }
            boolean isMailto = link.regionMatches(true, 0, "mailto:", 0, 7);
            if (isMailto ? mailto != null : url != null) {
                throw new InvalidDraftException(label + ": give at most one " + (isMailto ? "mailto:" : "https") + " link");
            }
            if (isMailto) {
                mailto = link;
            } else {
                url = link;
            }
        }
        if (url == null && mailto == null) {
            throw new InvalidDraftException(label + " is empty; write it as <https://example.com/unsubscribe?u=123>, "
                    + "<mailto:unsubscribe@example.com>");
        }
        return new EnvelopeDraft.Unsubscribe(url, mailto);
    }

    private static String single(Map<String, Header> singles, String key) {
        Header h = singles.get(key);
        return h == null ? null : h.value.toString();
    }

    private static boolean isHeaderName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126) {
                return false;
            }
        }
        return !name.isEmpty();
    }

    private static String baseName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    private static String fileNameOf(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(slash + 1);
    }

    private static final class Header {
        final String name;
        final int line;
        final StringBuilder value;

        Header(String name, int line, StringBuilder value) {
            this.name = name;
            this.line = line;
            this.value = value;
        }
    }
}
