package dev.outboxmailer.compose;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the text of a {@code .json} or {@code .yaml} draft into an {@link EnvelopeDraft}. Unknown
 * fields, wrong types, duplicate keys and malformed text are refused with a sentence naming the field
 * or the line and column; YAML aliases and nesting are limited so an alias bomb fails at once.
 */
final class EnvelopeReader {

    /** Big enough for base64 attachments of any message under a sane mail.max-size. */
    private static final int MAX_TEXT_CHARS = 256 * 1024 * 1024;
    private static final int MAX_NESTING = 20;
    private static final Pattern MARK =
            Pattern.compile("^\\s+in '[^']*', line (\\d+), column (\\d+):");
    private static final List<String> ADDRESS_FIELDS = List.of("to", "cc", "bcc", "replyTo");

    static final EnvelopeReader JSON = new EnvelopeReader("JSON", jsonMapper());
    static final EnvelopeReader YAML = new EnvelopeReader("YAML", yamlMapper());

    private final String format;
    private final ObjectMapper mapper;

    private EnvelopeReader(String format, ObjectMapper mapper) {
        this.format = format;
        this.mapper = mapper;
    }

    EnvelopeDraft read(String text) throws InvalidDraftException {
        EnvelopeDraft draft;
        try {
            if (mapper.getFactory() instanceof YAMLFactory) {
                requirePlainYaml(text);
            }
            draft = mapper.readValue(text, EnvelopeDraft.class);
        } catch (UnrecognizedPropertyException e) {
            throw unknownField(e);
        } catch (MismatchedInputException e) {
            throw wrongType(e);
        } catch (JsonMappingException e) {
            throw new InvalidDraftException(where(e.getPath()) + " cannot be read: " + firstLine(e.getOriginalMessage())
                    + at(e.getLocation()));
        } catch (StreamConstraintsException e) {
            throw new InvalidDraftException("the draft is too large or too deeply nested to read as " + format
                    + " (at most " + MAX_NESTING + " levels of nesting)" + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new InvalidDraftException("the draft cannot be read as " + format + ": " + firstLine(e.getMessage()));
        } catch (YAMLException e) {
            // SnakeYAML limits (nesting, document size) can surface unwrapped
            throw new InvalidDraftException("the draft is not valid " + format + ": " + firstLine(e.getMessage()));
        }
        if (draft == null) {
            throw new InvalidDraftException("the draft is empty");
        }
        return draft;
    }

    /**
     * Jackson reads YAML as a stream and hands an alias ({@code *name}) over as the text of its name,
     * so {@code cc: *team} would silently become {@code "team"}. Aliases are refused instead (which
     * also rules out alias bombs), and so is a second document after {@code ---}.
     */
    private void requirePlainYaml(String text) throws IOException, InvalidDraftException {
        try (YAMLParser parser = (YAMLParser) mapper.getFactory().createParser(text)) {
            int depth = 0;
            boolean rootSeen = false;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (parser.isCurrentAlias()) {
                    throw new InvalidDraftException("the draft is not valid YAML for outbox-mailer: aliases such as *"
                            + parser.getText() + " are not supported; write the value out" + at(parser.currentTokenLocation()));
                }
                if (depth == 0 && rootSeen) {
                    throw new InvalidDraftException("the draft holds more than one YAML document (---); put one draft in each file"
                            + at(parser.currentTokenLocation()));
                }
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                }
                rootSeen = rootSeen || depth == 0 || token.isStructStart();
            }
        }
    }

    private InvalidDraftException unknownField(UnrecognizedPropertyException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        String field = String.valueOf(e.getPropertyName());
        String parent = where(path.subList(0, Math.max(0, path.size() - 1)));
        boolean attachment = e.getReferringClass() == EnvelopeDraft.Attachment.class;
        boolean unsubscribe = e.getReferringClass() == EnvelopeDraft.Unsubscribe.class;
        Collection<String> known = attachment ? EnvelopeDraft.Attachment.FIELDS
                : unsubscribe ? EnvelopeDraft.Unsubscribe.FIELDS : EnvelopeDraft.FIELDS;
        String in = path.size() > 1 ? " in " + parent : "";
        return new InvalidDraftException(String.format("unknown field \"%s\"%s%s; the fields %s may use are %s",
                field, in, at(e.getLocation()), attachment ? "an attachment" : unsubscribe ? "\"unsubscribe\"" : "a draft",
                String.join(", ", known)));
    }

    private InvalidDraftException wrongType(MismatchedInputException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty()) {
            return new InvalidDraftException("the draft must be a " + format + " object with fields such as "
                    + "\"to\", \"subject\" and \"text\"" + at(e.getLocation()));
        }
        String last = lastFieldName(path);
        String where = ADDRESS_FIELDS.contains(last) && path.size() <= 2 ? "\"" + last + "\"" : where(path);
        return new InvalidDraftException(where + " must be " + expected(path, e.getTargetType())
                + at(e.getLocation()));
    }

    private InvalidDraftException malformed(JsonProcessingException e) {
        String reason = describe(e.getOriginalMessage());
        if (reason.contains("(line ")) {
            return new InvalidDraftException("the draft is not valid " + format + ": " + reason);
        }
        if (reason.startsWith("Duplicate field")) {
            reason = reason.replace("Duplicate field", "the field").replace("'", "\"") + " is given twice";
        }
        return new InvalidDraftException("the draft is not valid " + format + ": " + reason + at(e.getLocation()));
    }

    private static String lastFieldName(List<JsonMappingException.Reference> path) {
        for (int i = path.size() - 1; i >= 0; i--) {
            if (path.get(i).getFieldName() != null) {
                return path.get(i).getFieldName();
            }
        }
        return "";
    }

    private static String expected(List<JsonMappingException.Reference> path, Class<?> target) {
        if (ADDRESS_FIELDS.contains(lastFieldName(path))) {
            return "an address or a list of addresses (text)";
        }
        if (target == null) {
            return "of another type";
        }
        if (target == String.class) {
            return "text (in quotes)";
        }
        if (target == Boolean.class || target == boolean.class) {
            return "true or false";
        }
        if (target == EnvelopeDraft.Attachment.class) {
            return "an object such as {\"path\": \"files/report.pdf\"}";
        }
        if (target == EnvelopeDraft.Unsubscribe.class) {
            return "an object such as {\"url\": \"https://example.com/unsubscribe?u=123\", \"mailto\": \"unsubscribe@example.com\"}";
        }
        if (List.class.isAssignableFrom(target)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(target)) {
            return "an object of header names and text values";
        }
        return "of another type";
    }

    /** A field path as a person writes it: {@code "attachments[1].name"}. */
    private static String where(List<JsonMappingException.Reference> path) {
        if (path.isEmpty()) {
            return "the draft";
        }
        String joined = path.stream()
                .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining());
        return "\"" + (joined.startsWith(".") ? joined.substring(1) : joined) + "\"";
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /**
     * A parser's message as one line: SnakeYAML writes each problem on its own line followed by
     * {@code in 'reader', line 2, column 10:} and a snippet; this keeps the sentences and their
     * positions and drops the snippets.
     */
    private static String describe(String message) {
        if (message == null || message.isBlank()) {
            return "it cannot be parsed";
        }
        StringBuilder out = new StringBuilder();
        for (String line : message.strip().split("\\R")) {
            Matcher mark = MARK.matcher(line);
            if (mark.find()) {
                out.append(" (line ").append(mark.group(1)).append(", column ").append(mark.group(2)).append(')');
            } else if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                out.append(out.length() == 0 ? "" : ", ").append(line.strip());
            }
        }
        int source = out.indexOf(" at [Source");
        return source > 0 ? out.substring(0, source) : out.toString();
    }

    private static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "it cannot be parsed";
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        int source = line.indexOf(" at [Source");
        return source > 0 ? line.substring(0, source) : line;
    }

    private static StreamReadConstraints constraints() {
        return StreamReadConstraints.builder()
                .maxStringLength(MAX_TEXT_CHARS)
                .maxDocumentLength(MAX_TEXT_CHARS)
                .maxNestingDepth(MAX_NESTING)
                .build();
    }

    private static ObjectMapper jsonMapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(constraints())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        JsonMapper mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // JSON says what it means: 42 is not an address, "yes" is not true
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    private static ObjectMapper yamlMapper() {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(10);
        loader.setNestingDepthLimit(MAX_NESTING);
        loader.setAllowDuplicateKeys(false);
        loader.setCodePointLimit(MAX_TEXT_CHARS);
        loader.setAllowRecursiveKeys(false);
        YAMLFactory factory = YAMLFactory.builder()
                .loaderOptions(loader)
                .streamReadConstraints(constraints())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        // YAML writes "subject: 2026" without quotes; such plain scalars are read as the text they show
        return YAMLMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }
}
