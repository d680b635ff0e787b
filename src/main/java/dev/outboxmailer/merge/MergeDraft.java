package dev.outboxmailer.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.compose.MergeParts;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * A {@code <name>.merge.json} / {@code <name>.merge.yaml} draft (SPEC §13) as read: its {@code template} (an
 * envelope whose text fields are Mustache templates, checked as an envelope and compiled), where its rows come
 * from ({@code rows}: a file in the outbox, or an inline list) and whether it is a {@code preview}. A draft that
 * cannot be used is refused with an {@link InvalidDraftException} naming what is wrong.
 */
public record MergeDraft(String name, RowTemplate template, String rowsPath, ArrayNode inlineRows, boolean preview) {

    static final List<String> FIELDS = List.of("template", "rows", "preview");
    private static final Pattern NAME = Pattern.compile("(?i)^(.+)\\.merge\\.(json|yaml|yml)$");

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final ObjectMapper YAML = yaml();

    /** True for {@code <name>.merge.json}, {@code .merge.yaml}, {@code .merge.yml}. */
    public static boolean isMerge(String fileName) {
        return fileName != null && NAME.matcher(fileName).matches();
    }

    /** {@code invoices.merge.json} → {@code invoices}. */
    public static String baseName(String fileName) {
        var m = NAME.matcher(fileName);
        return m.matches() ? m.group(1) : fileName;
    }

    /** Reads and checks the draft's bytes; compiles the template. */
    public static MergeDraft read(String fileName, byte[] bytes, RowTemplate.Settings settings) throws InvalidDraftException {
        boolean yaml = !fileName.toLowerCase(Locale.ROOT).endsWith(".json");
        String text = utf8(bytes);
        if (text.isBlank()) {
            throw new InvalidDraftException("the merge draft is empty");
        }
        JsonNode root;
        try {
            root = (yaml ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new InvalidDraftException("the merge draft is not valid " + (yaml ? "YAML" : "JSON") + ": "
                    + firstLine(e.getOriginalMessage()) + where);
        } catch (RuntimeException e) {
            throw new InvalidDraftException("the merge draft is not valid " + (yaml ? "YAML" : "JSON") + ": "
                    + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidDraftException("the merge draft must be an object with \"template\" (an envelope) and "
                    + "\"rows\" (a CSV, NDJSON or JSON file in the outbox, or a list)");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new InvalidDraftException("unknown field \"" + field + "\" in the merge draft; its fields are "
                        + String.join(", ", FIELDS) + " (the envelope's fields go inside \"template\")");
            }
        }
        JsonNode template = root.get("template");
        if (template == null || template.isNull()) {
            throw new InvalidDraftException("the merge draft has no \"template\": give the envelope every row becomes, "
                    + "e.g. {\"to\": \"{{email}}\", \"subject\": \"Hello {{name}}\", \"text\": \"...\"}");
        }
        if (!template.isObject()) {
            throw new InvalidDraftException("\"template\" must be an object: an envelope (to, subject, text, ...)");
        }
        if (template.has("messageId")) {
            throw new InvalidDraftException("\"template.messageId\": every row is a mail of its own with its own Message-ID;"
                    + " remove messageId from the template");
        }
        try {
            MergeParts.checkEnvelope(JSON.writeValueAsString(template));
        } catch (InvalidDraftException e) {
            throw new InvalidDraftException("the template: " + e.getMessage());
        } catch (JsonProcessingException e) {
            throw new InvalidDraftException("the template cannot be read: " + e.getOriginalMessage());
        }
        JsonNode rows = root.get("rows");
        String rowsPath = null;
        ArrayNode inline = null;
        if (rows == null || rows.isNull()) {
            throw new InvalidDraftException("the merge draft has no \"rows\": give a file in the outbox (.csv with a header "
                    + "row, .ndjson, or .json holding an array), or a list of objects");
        } else if (rows.isTextual()) {
            rowsPath = rows.asText();
            RowSource.Format.of(rowsPath); // the kind of file is known before it is opened
        } else if (rows.isArray()) {
            inline = (ArrayNode) rows;
            for (int i = 0; i < inline.size(); i++) {
                if (!inline.get(i).isObject()) {
                    throw new InvalidDraftException("\"rows[" + i + "]\" (row " + (i + 1) + ") must be an object of "
                            + "names and values, e.g. {\"name\": \"Zoë\", \"email\": \"zoe@example.org\"}");
                }
            }
        } else {
            throw new InvalidDraftException("\"rows\" must be a file in the outbox (text, e.g. \"files/customers.csv\") "
                    + "or a list of objects");
        }
        JsonNode preview = root.get("preview");
        if (preview != null && !preview.isBoolean() && !preview.isNull()) {
            throw new InvalidDraftException("\"preview\" must be true or false");
        }
        RowTemplate compiled = RowTemplate.compile((ObjectNode) template, settings);
        return new MergeDraft(fileName, compiled, rowsPath, inline, preview != null && preview.asBoolean(false));
    }

    private static String utf8(byte[] bytes) throws InvalidDraftException {
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF
                ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidDraftException("the merge draft is not UTF-8 text");
        }
    }

    static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "it cannot be parsed";
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        int source = line.indexOf(" at [Source");
        return source > 0 ? line.substring(0, source) : line;
    }

    private static ObjectMapper yaml() {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(10);
        loader.setNestingDepthLimit(20);
        loader.setAllowDuplicateKeys(false);
        loader.setAllowRecursiveKeys(false);
        YAMLFactory factory = YAMLFactory.builder().loaderOptions(loader)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        return YAMLMapper.builder(factory)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }
}
