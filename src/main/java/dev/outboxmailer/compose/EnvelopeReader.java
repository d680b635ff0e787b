package dev.outboxmailer.compose;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads the text of a {@code .json} or {@code .yaml} draft into an {@link EnvelopeDraft}. Unknown
 * fields, wrong types, duplicate keys and malformed text are refused with a sentence naming the field
 * or the line and column; YAML aliases and nesting are limited so an alias bomb fails at once.
 */
final class EnvelopeReader {

    /** Big enough for base64 attachments of any message under a sane mail.max-size. */
    private static final int MAX_TEXT_CHARS = 256 * 1024 * 1024;
    private static final int MAX_NESTING = 20;

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
            draft = mapper.readValue(text, EnvelopeDraft.class);
        } catch (UnrecognizedPropertyException e) {
            throw unknownField(e);
        } catch (MismatchedInputException e) {
            throw wrongType(e);
        } catch (JsonMappingException e) {
            throw new InvalidDraftException(where(e.getPath()) + " cannot be read: " + firstLine(e.getOriginalMessage())
                    + at(e.getLocation()));
        } catch (StreamConstraintsException e) {
            throw new InvalidDraftException("the draft is too large or too deeply nested to read as " + format + ": "
                    + firstLine(e.getOriginalMessage()) + at(e.getLocation()));
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (RuntimeException e) {
            // SnakeYAML limits (aliases, nesting, size) surface as unchecked YAMLException
            throw new InvalidDraftException("the draft is not valid " + format + ": " + firstLine(e.getMessage()));
        }
        if (draft == null) {
            throw new InvalidDraftException("the draft is empty");
        }
        return draft;
    }

    private InvalidDraftException unknownField(UnrecognizedPropertyException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        String field = String.valueOf(e.getPropertyName());
        String parent = where(path.subList(0, Math.max(0, path.size() - 1)));
        Collection<String> known = e.getReferringClass() == EnvelopeDraft.Attachment.class
                ? EnvelopeDraft.Attachment.FIELDS : EnvelopeDraft.FIELDS;
        String in = path.size() > 1 ? " in " + parent : "";
        return new InvalidDraftException(String.format("unknown field \"%s\"%s%s; the fields a draft may use are %s",
                field, in, at(e.getLocation()), String.join(", ", known)));
    }

    private InvalidDraftException wrongType(MismatchedInputException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty()) {
            return new InvalidDraftException("the draft must be a " + format + " object with fields such as "
                    + "\"to\", \"subject\" and \"text\"" + at(e.getLocation()));
        }
        return new InvalidDraftException(where(path) + " must be " + expected(path, e.getTargetType())
                + at(e.getLocation()));
    }

    private InvalidDraftException malformed(JsonProcessingException e) {
        String reason = firstLine(e.getOriginalMessage());
        if (reason.startsWith("Duplicate field")) {
            reason = reason.replace("Duplicate field", "the field").replace("'", "\"") + " is given twice";
        }
        return new InvalidDraftException("the draft is not valid " + format + ": " + reason + at(e.getLocation()));
    }

    private static String expected(List<JsonMappingException.Reference> path, Class<?> target) {
        String last = path.get(path.size() - 1).getFieldName();
        if (last != null && List.of("to", "cc", "bcc", "replyTo").contains(last)) {
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
