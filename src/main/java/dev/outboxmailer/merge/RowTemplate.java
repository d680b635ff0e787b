package dev.outboxmailer.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.mustachejava.Binding;
import com.github.mustachejava.Code;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.TemplateContext;
import com.github.mustachejava.reflect.AbstractObjectHandler;
import com.github.mustachejava.util.HtmlEscaper;
import com.github.mustachejava.util.Wrapper;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.compose.MergeParts;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge draft's {@code template} compiled: every text field of the envelope (SPEC §4.2) — {@code to},
 * {@code cc}, {@code bcc}, {@code from}, {@code replyTo}, {@code subject}, {@code text}, {@code html},
 * {@code markdown}, attachment {@code path}/{@code name}/{@code contentType}/{@code cid}, {@code headers} values,
 * {@code unsubscribe} — is a logic-less Mustache template (mustache.java; no partials, no code: the values are
 * looked up in the row, nothing else). Values are html-escaped in {@code html}, escaped so they render as text
 * in {@code markdown}, and written as they are everywhere else (text, headers, addresses, paths). A value is
 * never a template: a {@code {{} in a row stays text. A variable the row does not have is an error for the row.
 *
 * <p>{@link #render} turns one row into an ordinary envelope, with each attachment given by {@code path} read
 * from the outbox (through the compose stage's jail) and embedded as {@code content}: the row's mail is fixed
 * when it is rendered, whatever happens to the files later.
 */
public final class RowTemplate {

    /** @param outbox where attachment paths resolve; @param maxBytes mail.max-size, the most an attachment may be */
    public record Settings(Path outbox, long maxBytes) {}

    /** A row that cannot become a mail: the reason names the field and what is wrong (without the row number). */
    public static final class RowException extends Exception {
        RowException(String reason) {
            super(reason, null, false, false);
        }
    }

    private enum Escape { NONE, HTML, MARKDOWN, ADDRESS }

    private static final List<String> SINGLE = List.of("from", "subject", "text", "html", "markdown");
    private static final List<String> ADDRESSES = List.of("to", "cc", "bcc", "replyTo");
    private static final List<String> ATTACHMENT_TEXT = List.of("path", "name", "contentType", "cid");

    private final ObjectNode template;
    private final Map<String, Mustache> compiled = new LinkedHashMap<>();
    private final Settings settings;

    private RowTemplate(ObjectNode template, Settings settings) {
        this.template = template;
        this.settings = settings;
    }

    static RowTemplate compile(ObjectNode template, Settings settings) throws InvalidDraftException {
        RowTemplate t = new RowTemplate(template.deepCopy(), settings);
        for (String field : SINGLE) {
            t.compileText(field, template.get(field), escapeOf(field));
        }
        for (String field : ADDRESSES) {
            JsonNode value = template.get(field);
            if (value != null && value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    t.compileText(field + "[" + i + "]", value.get(i), Escape.ADDRESS);
                }
            } else {
                t.compileText(field, value, Escape.ADDRESS);
            }
        }
        JsonNode attachments = template.get("attachments");
        if (attachments != null && attachments.isArray()) {
            for (int i = 0; i < attachments.size(); i++) {
                for (String field : ATTACHMENT_TEXT) {
                    t.compileText("attachments[" + i + "]." + field, attachments.get(i).get(field), Escape.NONE);
                }
            }
        }
        JsonNode headers = template.get("headers");
        if (headers != null && headers.isObject()) {
            for (Iterator<String> names = headers.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                t.compileText("headers." + name, headers.get(name), Escape.NONE);
            }
        }
        JsonNode unsubscribe = template.get("unsubscribe");
        if (unsubscribe != null && unsubscribe.isObject()) {
            t.compileText("unsubscribe.url", unsubscribe.get("url"), Escape.NONE);
            t.compileText("unsubscribe.mailto", unsubscribe.get("mailto"), Escape.NONE);
        }
        return t;
    }

    private static Escape escapeOf(String field) {
        return field.equals("html") ? Escape.HTML : field.equals("markdown") ? Escape.MARKDOWN
                : field.equals("from") ? Escape.ADDRESS : Escape.NONE;
    }

    private void compileText(String field, JsonNode value, Escape escape) throws InvalidDraftException {
        if (value == null || !value.isTextual()) {
            return;
        }
        try {
            compiled.put(field, factory(escape).compile(new StringReader(value.asText()), field));
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (reason.contains("not found")) {
                reason = "partials ({{> name}}) are not supported: a template comes only from the merge draft";
            }
            throw new InvalidDraftException("\"template." + field + "\" is not a usable Mustache template: " + reason);
        }
    }

    /** The fields whose text is a template (for tests and messages). */
    List<String> fields() {
        return List.copyOf(compiled.keySet());
    }

    /** The row as an envelope: its text fields rendered, its attachments embedded, Message-ID {@code messageId}. */
    ObjectNode render(Map<String, Object> row, String messageId) throws RowException {
        ObjectNode out = template.deepCopy();
        for (String field : SINGLE) {
            put(out, field, row);
        }
        for (String field : ADDRESSES) {
            JsonNode value = out.get(field);
            if (value != null && value.isArray()) {
                ArrayNode list = (ArrayNode) value;
                for (int i = 0; i < list.size(); i++) {
                    String rendered = render(field + "[" + i + "]", row);
                    if (rendered != null) {
                        list.set(i, JsonNodeFactory.instance.textNode(rendered));
                    }
                }
            } else {
                put(out, field, row);
            }
        }
        JsonNode headers = out.get("headers");
        if (headers != null && headers.isObject()) {
            ObjectNode h = (ObjectNode) headers;
            for (String name : iterable(h.fieldNames())) {
                String rendered = render("headers." + name, row);
                if (rendered != null) {
                    h.put(name, rendered);
                }
            }
        }
        JsonNode unsubscribe = out.get("unsubscribe");
        if (unsubscribe != null && unsubscribe.isObject()) {
            put((ObjectNode) unsubscribe, "url", "unsubscribe.url", row);
            put((ObjectNode) unsubscribe, "mailto", "unsubscribe.mailto", row);
        }
        JsonNode attachments = out.get("attachments");
        if (attachments != null && attachments.isArray()) {
            for (int i = 0; i < attachments.size(); i++) {
                JsonNode a = attachments.get(i);
                if (!a.isObject()) {
                    continue;
                }
                ObjectNode attachment = (ObjectNode) a;
                for (String field : ATTACHMENT_TEXT) {
                    put(attachment, field, "attachments[" + i + "]." + field, row);
                }
                if (attachment.hasNonNull("path")) {
                    embed(i, attachment);
                }
            }
        }
        out.put("messageId", messageId);
        return out;
    }

    /** Reads the attachment's file (jailed to the outbox, as any attachment) into {@code content}. */
    private void embed(int index, ObjectNode attachment) throws RowException {
        String path = attachment.get("path").asText();
        String name = attachment.hasNonNull("name") ? attachment.get("name").asText() : null;
        String type = attachment.hasNonNull("contentType") ? attachment.get("contentType").asText() : null;
        try (MergeParts.Opened file = MergeParts.open(settings.outbox(), settings.maxBytes(), index, path, name, type)) {
            byte[] bytes = file.stream().readAllBytes();
            attachment.remove("path");
            attachment.put("name", file.name());
            attachment.put("contentType", file.contentType());
            attachment.put("content", Base64.getEncoder().encodeToString(bytes));
        } catch (InvalidDraftException e) {
            throw new RowException(e.getMessage());
        } catch (IOException e) {
            throw new RowException("\"attachments[" + index + "].path\": \"" + path + "\" cannot be read: " + e.getMessage());
        }
    }

    private void put(ObjectNode node, String field, Map<String, Object> row) throws RowException {
        put(node, field, field, row);
    }

    private void put(ObjectNode node, String field, String key, Map<String, Object> row) throws RowException {
        String rendered = render(key, row);
        if (rendered != null) {
            node.put(field, rendered);
        }
    }

    private String render(String key, Map<String, Object> row) throws RowException {
        Mustache mustache = compiled.get(key);
        if (mustache == null) {
            return null;
        }
        StringWriter out = new StringWriter();
        try {
            List<Object> scopes = new ArrayList<>();
            scopes.add(row);
            mustache.execute(out, scopes).flush();
        } catch (RuntimeException | IOException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof Missing missing) {
                    throw new RowException("\"template." + key + "\" uses {{" + missing.name
                            + "}}, which the row does not have");
                }
            }
            throw new RowException("\"template." + key + "\" cannot be rendered: " + e.getMessage());
        }
        return out.toString();
    }

    private static <T> Iterable<T> iterable(Iterator<T> it) {
        List<T> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all;
    }

    /** A variable the row does not have. */
    private static final class Missing extends RuntimeException {
        final String name;

        Missing(String name) {
            super(name, null, false, false);
            this.name = name;
        }
    }

    private static final RowLookup LOOKUP = new RowLookup();
    private static final DefaultMustacheFactory NONE = factoryFor(Escape.NONE);
    private static final DefaultMustacheFactory HTML = factoryFor(Escape.HTML);
    private static final DefaultMustacheFactory MARKDOWN = factoryFor(Escape.MARKDOWN);
    private static final DefaultMustacheFactory ADDRESS = factoryFor(Escape.ADDRESS);

    private static DefaultMustacheFactory factory(Escape escape) {
        return switch (escape) {
            case NONE -> NONE;
            case HTML -> HTML;
            case MARKDOWN -> MARKDOWN;
            case ADDRESS -> ADDRESS;
        };
    }

    /** A factory that finds no partials (templates come only from the merge draft) and escapes as {@code escape} says. */
    private static DefaultMustacheFactory factoryFor(Escape escape) {
        DefaultMustacheFactory factory = new DefaultMustacheFactory(name -> null) {
            @Override
            public void encode(String value, Writer writer) {
                try {
                    switch (escape) {
                        case NONE -> writer.write(value);
                        case HTML -> HtmlEscaper.escape(value, writer);
                        case MARKDOWN -> writer.write(markdownText(value));
                        case ADDRESS -> writer.write(displayName(value));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        factory.setObjectHandler(LOOKUP);
        return factory;
    }

    /**
     * A value in an address field: a name (no {@code @}, no {@code <}) holding a comma, semicolon, quote or
     * parenthesis is quoted, so {@code "{{name}} <{{email}}>"} with the name {@code Doe, Jane} stays one
     * address; anything else (an address, a list of them, a plain name) is written as it is.
     */
    static String displayName(String value) {
        if (value.indexOf('@') >= 0 || value.indexOf('<') >= 0 || !value.matches("(?s).*[,;\"()\\\\:\\[\\]].*")) {
            return value;
        }
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * A value as Markdown that renders as exactly this text: every ASCII punctuation character backslash-escaped
     * (CommonMark's rule), so {@code A&B <Ltd>} shows as written and {@code *x*} is not emphasis.
     */
    static String markdownText(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 128 && c > 32 && !Character.isLetterOrDigit(c)) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * Looks names up in the row only: {@code {{name}}}, {@code {{customer.name}}} through nested objects,
     * {@code {{.}}} for the current item of a list. No methods are called on anything.
     */
    private static final class RowLookup extends AbstractObjectHandler {
        @Override
        public Wrapper find(String name, List<Object> ignored) {
            return scopes -> lookup(name, scopes);
        }

        @Override
        public Binding createBinding(String name, TemplateContext tc, Code code) {
            return scopes -> lookup(name, scopes);
        }

        private static Object lookup(String name, List<Object> scopes) {
            if (name.equals(".")) {
                return scopes.isEmpty() ? null : scopes.get(scopes.size() - 1);
            }
            String[] parts = name.split("\\.", -1);
            for (int i = scopes.size() - 1; i >= 0; i--) {
                if (scopes.get(i) instanceof Map<?, ?> map && map.containsKey(parts[0])) {
                    Object value = map.get(parts[0]);
                    for (int p = 1; p < parts.length; p++) {
                        if (value instanceof Map<?, ?> inner && inner.containsKey(parts[p])) {
                            value = inner.get(parts[p]);
                        } else {
                            throw new Missing(name);
                        }
                    }
                    return value;
                }
            }
            throw new Missing(name);
        }

        @Override
        public String stringify(Object object) {
            if (object instanceof java.math.BigDecimal d) {
                return d.toPlainString();
            }
            return super.stringify(object);
        }
    }
}
