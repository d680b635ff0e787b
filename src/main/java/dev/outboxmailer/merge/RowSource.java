package dev.outboxmailer.merge;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.outboxmailer.compose.InvalidDraftException;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * The rows of a merge, read as a stream (never all in memory): a CSV file with a header row (RFC 4180 — quoted
 * fields with commas, quotes and newlines — by Apache Commons CSV), NDJSON (one JSON object a line), or a JSON
 * file holding an array of objects; UTF-8, with or without a byte order mark. Rows are numbered from 1, the
 * first data row. A row that cannot be used (a CSV record with another number of fields than the header, an
 * NDJSON line that is not an object) is handed out with its problem: it fails alone. A file that cannot be read
 * at all (not UTF-8, an unclosed quote, broken JSON) throws {@link Unreadable}.
 */
final class RowSource implements Closeable {

    /** The kinds of rows file, by extension. */
    enum Format {
        CSV, NDJSON, JSON;

        static Format of(String path) throws InvalidDraftException {
            String lower = path.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".csv")) {
                return CSV;
            }
            if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl")) {
                return NDJSON;
            }
            if (lower.endsWith(".json")) {
                return JSON;
            }
            throw new InvalidDraftException("\"rows\": \"" + path + "\" is not a rows file: give a .csv (with a header row), "
                    + ".ndjson (one JSON object a line) or .json (an array of objects)");
        }
    }

    /** One row: its values, or the reason it cannot be used. */
    record Row(int number, Map<String, Object> values, String problem) {}

    /** The file cannot be read past row {@code after}. */
    static final class Unreadable extends Exception {
        final int after;

        Unreadable(int after, String reason) {
            super(reason, null, false, false);
            this.after = after;
        }
    }

    /** Reads an array's elements one by one: its elements are followed by more of them. */
    private static final com.fasterxml.jackson.databind.ObjectMapper ARRAY = MergeDraft.JSON.copy()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Closeable input;
    private final Next next;
    private int number;

    private interface Next {
        /** The next row's values (or its problem, as a String), or null at the end. */
        Object read() throws IOException;
    }

    private RowSource(Closeable input, Next next) {
        this.input = input;
        this.next = next;
    }

    static RowSource open(Path file, Format format) throws IOException, Unreadable {
        InputStream in = withoutBom(Files.newInputStream(file));
        Reader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), 64 * 1024);
        try {
            return switch (format) {
                case CSV -> csv(reader);
                case NDJSON -> ndjson((BufferedReader) reader);
                case JSON -> json(reader);
            };
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            reader.close();
            throw new Unreadable(0, describe(e));
        }
    }

    /** The next row, or null after the last. */
    Row next() throws Unreadable {
        Object read;
        try {
            read = next.read();
        } catch (IOException | UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
            throw new Unreadable(number, describe(e));
        }
        if (read == null) {
            return null;
        }
        number++;
        if (read instanceof String problem) {
            return new Row(number, null, problem);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) read;
        return new Row(number, values, null);
    }

    /** Reads the file to its end: how many rows it has (a file that cannot be read throws here, before any is sent). */
    static int count(Path file, Format format) throws IOException, Unreadable {
        try (RowSource rows = open(file, format)) {
            int n = 0;
            while (rows.next() != null) {
                n++;
            }
            return n;
        }
    }

    private static RowSource csv(Reader reader) throws IOException {
        CSVFormat format = CSVFormat.RFC4180.builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
                .setAllowMissingColumnNames(false)
                .setIgnoreEmptyLines(true)
                .setTrim(false)
                .get();
        CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get();
        if (parser.getHeaderNames().isEmpty()) {
            parser.close();
            throw new IOException("it has no header row: the first line must name the columns, e.g. name,email");
        }
        int columns = parser.getHeaderNames().size();
        Iterator<CSVRecord> records = parser.iterator();
        return new RowSource(parser, () -> {
            if (!records.hasNext()) {
                return null;
            }
            CSVRecord record = records.next();
            if (record.size() != columns) {
                return "it has " + record.size() + " field(s) where the header row names " + columns
                        + " (CSV line " + record.getParser().getCurrentLineNumber() + ")";
            }
            return new LinkedHashMap<String, Object>(record.toMap());
        });
    }

    private static RowSource ndjson(BufferedReader reader) {
        return new RowSource(reader, () -> {
            String line;
            do {
                line = readLine(reader);
            } while (line != null && line.isBlank());
            if (line == null) {
                return null;
            }
            if (line == TOO_LONG) {
                return "its line is longer than " + MAX_LINE / (1024 * 1024) + " MB";
            }
            try {
                Object value = MergeDraft.JSON.readValue(line, Object.class);
                if (value instanceof Map<?, ?>) {
                    return value;
                }
                return "its line is not a JSON object of names and values";
            } catch (JsonProcessingException e) {
                return "its line is not valid JSON: " + MergeDraft.firstLine(e.getOriginalMessage());
            }
        });
    }

    private static RowSource json(Reader reader) throws IOException {
        JsonParser parser = ARRAY.createParser(reader);
        if (parser.nextToken() != JsonToken.START_ARRAY) {
            parser.close();
            throw new IOException("a .json rows file must hold an array of objects: [{\"name\": ...}, ...]");
        }
        return new RowSource(parser, () -> {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new IOException("the array is not closed with ]");
            }
            if (token == JsonToken.END_ARRAY) {
                return null;
            }
            Object value = parser.readValueAs(Object.class);
            return value instanceof Map<?, ?> ? value : "it is not a JSON object of names and values";
        });
    }

    /** The longest NDJSON line read: a longer one fails as its row, unread beyond this. */
    static final int MAX_LINE = 1024 * 1024;
    private static final String TOO_LONG = new String("too long");

    /** A line without its end, or {@link #TOO_LONG} (the rest of it skipped), or null at the end. */
    private static String readLine(BufferedReader reader) throws IOException {
        StringBuilder line = new StringBuilder();
        boolean tooLong = false;
        for (int c = reader.read(); ; c = reader.read()) {
            if (c < 0) {
                return line.length() == 0 && !tooLong ? null : tooLong ? TOO_LONG : line.toString();
            }
            if (c == '\n') {
                return tooLong ? TOO_LONG : line.toString();
            }
            if (line.length() >= MAX_LINE) {
                tooLong = true;
                line.setLength(0);
            }
            if (!tooLong) {
                line.append((char) c);
            }
        }
    }

    /** UTF-8 with or without a byte order mark: the mark is dropped. */
    private static InputStream withoutBom(InputStream in) throws IOException {
        PushbackInputStream pushback = new PushbackInputStream(in, 3);
        byte[] head = pushback.readNBytes(3);
        if (!(head.length == 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF)) {
            pushback.unread(head);
        }
        return pushback;
    }

    private static String describe(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t instanceof UncheckedIOException
                || t.getMessage() == null || t.getMessage().startsWith("IOException reading next record"))) {
            t = t.getCause();
        }
        if (t instanceof java.nio.charset.CharacterCodingException) {
            return "it is not UTF-8 text";
        }
        if (t instanceof JsonProcessingException j) {
            return "it is not valid JSON: " + MergeDraft.firstLine(j.getOriginalMessage())
                    + (j.getLocation() == null ? "" : " (line " + j.getLocation().getLineNr() + ")");
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return MergeDraft.firstLine(message);
    }

    @Override
    public void close() throws IOException {
        input.close();
    }
}
