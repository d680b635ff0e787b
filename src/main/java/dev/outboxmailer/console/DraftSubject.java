package dev.outboxmailer.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The subject a draft file gives its mail, read from its first bytes only (for the lists and the search). */
final class DraftSubject {
    private static final int HEAD = 64 * 1024;
    private static final long ENVELOPE_MAX = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DraftSubject() {}

    /** The subject, or "" where the file is gone or gives none. */
    static String of(Path draft, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        try {
            if (lower.endsWith(".eml")) {
                return decode(header(head(draft), "subject"));
            }
            if (lower.endsWith(".txt") || lower.endsWith(".md")) {
                return header(head(draft), "subject");
            }
            if (lower.endsWith(".json") || lower.endsWith(".yaml") || lower.endsWith(".yml")) {
                if (Files.size(draft) > ENVELOPE_MAX) {
                    return "";
                }
                JsonNode tree = (lower.endsWith(".json") ? JSON : YAML).readTree(draft.toFile());
                JsonNode subject = tree == null ? null : tree.get("subject");
                return subject == null || !subject.isValueNode() ? "" : subject.asText();
            }
            return name; // a bare file: its name is the subject
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(HEAD), StandardCharsets.UTF_8);
        }
    }

    /** The first header of that name in the header block (up to the first blank line), unfolded. */
    static String header(String text, String wanted) {
        String[] lines = text.split("\r?\n", -1);
        StringBuilder value = null;
        for (String line : lines) {
            if (line.isEmpty()) {
                break;
            }
            if (value != null) {
                if (line.startsWith(" ") || line.startsWith("\t")) {
                    value.append(' ').append(line.strip());
                    continue;
                }
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(wanted)) {
                value = new StringBuilder(line.substring(colon + 1).strip());
            }
        }
        return value == null ? "" : value.toString();
    }

    static String decode(String encoded) {
        try {
            return MimeUtility.decodeText(encoded);
        } catch (IOException | RuntimeException e) {
            return encoded;
        }
    }
}
