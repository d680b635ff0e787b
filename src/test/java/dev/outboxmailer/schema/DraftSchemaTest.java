package dev.outboxmailer.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code schema/draft.schema.json}, which editors use to complete and check drafts as people type: it accepts
 * every example draft of the README and of the tests' resources, and refuses the hostile corpus's malformed
 * drafts at the field the mailer names.
 */
class DraftSchemaTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final List<String> FIELDS = List.of("from", "to", "cc", "bcc", "replyTo", "subject", "text", "html", "markdown",
            "attachments", "headers", "messageId", "unsubscribe");
    static JsonSchema schema;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("schema/draft.schema.json"))) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build());
        }
    }

    static JsonNode read(String name, String text) throws IOException {
        return (name.endsWith(".json") ? JSON : YAML).readTree(text);
    }

    /** The README's envelope examples (json and yaml blocks whose fields are all draft fields), and examples/. */
    static List<String[]> examples() throws IOException {
        List<String[]> drafts = new ArrayList<>();
        String readme = Files.readString(Path.of("README.md"));
        Matcher block = Pattern.compile("```(json|yaml)\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        while (block.find()) {
            String name = "README line " + (readme.substring(0, block.start()).lines().count() + 1) + "." + block.group(1);
            if (isDraft(read(block.group(1).equals("json") ? ".json" : ".yaml", block.group(2)))) {
                drafts.add(new String[] {name, block.group(2)});
            }
        }
        for (Path folder : List.of(Path.of("examples"), Path.of("src/test/resources"))) {
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path p : files.filter(f -> f.toString().matches(".*\\.(json|yaml|yml)$"))
                        .filter(f -> !f.startsWith("src/test/resources/hostile")).sorted().toList()) {
                    if (isDraft(read(p.toString(), Files.readString(p)))) { // not a route file
                        drafts.add(new String[] {p.toString(), Files.readString(p)});
                    }
                }
            }
        }
        return drafts;
    }

    private static boolean isDraft(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return node.isObject() && FIELDS.containsAll(keys);
    }

    @Test
    void theReadmeHasItsExamples() throws IOException {
        assertThat(examples()).hasSizeGreaterThanOrEqualTo(3); // the json and yaml envelopes, examples/report.json
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleDraftIsValid(String name, String text) throws IOException {
        assertThat(schema.validate(read(name, text))).as(name).isEmpty();
    }

    /** A hostile draft, and where the schema must put its finger (a JSON pointer; "" is the draft as a whole). */
    static List<String[]> hostile() {
        return Map.ofEntries(
                        Map.entry("not-an-object.json", ""),
                        Map.entry("to-is-a-number.json", "/to"),
                        Map.entry("to-is-a-number.yaml", "/to"),
                        Map.entry("subject-is-an-object.json", "/subject"),
                        Map.entry("unknown-field.json", ""),
                        Map.entry("no-recipients.json", ""),
                        Map.entry("empty-recipient-lists.yaml", "/to"),
                        Map.entry("a-name-not-an-address.json", "/to"),
                        Map.entry("crlf-subject.json", "/subject"),
                        Map.entry("crlf-display-name.json", "/to"),
                        Map.entry("crlf-from.json", "/from"),
                        Map.entry("crlf-reply-to.yaml", "/replyTo"),
                        Map.entry("crlf-message-id.json", "/messageId"),
                        Map.entry("crlf-header-value.json", "/headers/X-Tag"),
                        Map.entry("crlf-header-name.json", "/headers"),
                        Map.entry("reserved-header.json", "/headers"),
                        Map.entry("crlf-attachment-name.json", "/attachments/0/name"),
                        Map.entry("crlf-content-type.json", "/attachments/0/contentType"),
                        Map.entry("attachment-dotdot.json", "/attachments/0/path"),
                        Map.entry("attachment-absolute.json", "/attachments/0/path"),
                        Map.entry("attachment-bad-base64.json", "/attachments/0/content"))
                .entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> new String[] {e.getKey(), e.getValue()}).toList();
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void aMalformedDraftIsRefusedForTheFieldTheMailerNames(String file, String pointer) throws IOException {
        Path draft = Path.of("src/test/resources/hostile", file);
        Set<ValidationMessage> errors = schema.validate(read(file, Files.readString(draft)));
        assertThat(errors).as(file).isNotEmpty();
        assertThat(errors).as(file + ": " + errors).anyMatch(e -> {
            String at = e.getInstanceLocation().toString();
            return pointer.isEmpty() ? at.isEmpty() || at.equals("/") : at.equals(pointer) || at.startsWith(pointer + "/");
        });
    }

    @Test
    void anUnknownFieldIsNamed() throws IOException {
        Set<ValidationMessage> errors = schema.validate(JSON.readTree(Files.readString(Path.of("src/test/resources/hostile/unknown-field.json"))));
        assertThat(errors.toString()).contains("subjekt");
    }

    @Test
    void htmlAndMarkdownTogetherAreRefused() throws IOException {
        assertThat(schema.validate(JSON.readTree("{\"to\": \"bob@example.org\", \"html\": \"<p>x</p>\", \"markdown\": \"x\"}"))).isNotEmpty();
        assertThat(schema.validate(JSON.readTree("{\"to\": \"bob@example.org\", \"markdown\": \"x\"}"))).isEmpty();
    }
}
