package dev.outboxmailer.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows read as a stream (SPEC §13): CSV by RFC 4180, NDJSON, a JSON array; bad rows alone, bad files whole. */
class RowSourceTest {
    @TempDir
    Path dir;

    private List<RowSource.Row> rows(String name, byte[] content) throws Exception {
        Path file = Files.write(dir.resolve(name), content);
        List<RowSource.Row> out = new ArrayList<>();
        try (RowSource source = RowSource.open(file, RowSource.Format.of(name))) {
            for (RowSource.Row r = source.next(); r != null; r = source.next()) {
                out.add(r);
            }
        }
        return out;
    }

    private List<RowSource.Row> rows(String name, String content) throws Exception {
        return rows(name, content.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void csvByRfc4180WithOrWithoutByteOrderMark() throws Exception {
        String csv = "name,note\r\n\"Doe, Jane\",\"two\r\nlines and \"\"quotes\"\"\"\r\nZoë,\r\n\r\n";
        for (String text : List.of(csv, "\uFEFF" + csv)) {
            List<RowSource.Row> rows = rows("r.csv", text);
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0).number()).isEqualTo(1);
            assertThat(rows.get(0).values()).containsEntry("name", "Doe, Jane").containsEntry("note", "two\r\nlines and \"quotes\"");
            assertThat(rows.get(1).values()).containsEntry("name", "Zoë").containsEntry("note", "");
        }
    }

    @Test
    void aCsvRowWithTheWrongNumberOfFieldsFailsAlone() throws Exception {
        List<RowSource.Row> rows = rows("r.csv", "a,b\n1,2\n1,2,3\n4,5\n");
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1).problem()).contains("3 field(s) where the header row names 2");
        assertThat(rows.get(2).values()).containsEntry("a", "4");
    }

    @Test
    void aFileThatIsNotUsableIsRefusedWhole() {
        assertThatThrownBy(() -> RowSource.count(Files.writeString(dir.resolve("q.csv"), "a,b\n\"unclosed,2\n"),
                RowSource.Format.CSV)).isInstanceOf(RowSource.Unreadable.class);
        assertThatThrownBy(() -> RowSource.count(Files.write(dir.resolve("l.csv"), new byte[] {'a', '\n', (byte) 0xE9, '\n'}),
                RowSource.Format.CSV)).hasMessageContaining("not UTF-8");
        assertThatThrownBy(() -> RowSource.count(Files.writeString(dir.resolve("d.csv"), "a,a\n1,2\n"),
                RowSource.Format.CSV)).isInstanceOf(RowSource.Unreadable.class);
        assertThatThrownBy(() -> RowSource.count(Files.writeString(dir.resolve("o.json"), "{\"a\": 1}"),
                RowSource.Format.JSON)).hasMessageContaining("array");
        assertThatThrownBy(() -> RowSource.count(Files.writeString(dir.resolve("t.json"), "[{\"a\": 1}, {\"a\""),
                RowSource.Format.JSON)).isInstanceOf(RowSource.Unreadable.class);
    }

    @Test
    void ndjsonAndJsonArrays() throws Exception {
        List<RowSource.Row> nd = rows("r.ndjson", "{\"a\": 1, \"p\": 19.90}\n\nnot json\n[1]\n{\"a\": {\"b\": \"c\"}}\n");
        assertThat(nd).hasSize(4);
        assertThat(nd.get(0).values().get("p").toString()).isEqualTo("19.90");
        assertThat(nd.get(1).problem()).contains("not valid JSON");
        assertThat(nd.get(2).problem()).contains("not a JSON object");
        assertThat(nd.get(3).number()).isEqualTo(4);
        List<RowSource.Row> longLine = rows("l.ndjson", "{\"a\": \"" + "x".repeat(2 * RowSource.MAX_LINE) + "\"}\n{\"a\": 2}\n");
        assertThat(longLine).hasSize(2);
        assertThat(longLine.get(0).problem()).contains("longer than 1 MB");
        assertThat(longLine.get(1).values()).containsEntry("a", 2);
        List<RowSource.Row> arr = rows("r.json", "\uFEFF[{\"a\": 1}, 2, {\"a\": 3}]");
        assertThat(arr).hasSize(3);
        assertThat(arr.get(1).problem()).contains("not a JSON object");
        assertThat(arr.get(2).values()).containsEntry("a", 3);
    }
}
