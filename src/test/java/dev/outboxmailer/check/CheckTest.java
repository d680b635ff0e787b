package dev.outboxmailer.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check}: the real route loading (Camel's YAML loader, routes created but not started) and the real
 * compose stage, offline: each problem once, with its location, and the exit code.
 */
class CheckTest {
    static final List<String> PACKAGED = List.of("outbox.yaml", "queue.yaml", "folders.yaml", "entry.yaml");
    static final String LOCATIONS = "classpath:outbox-mailer-defaults.properties";

    @TempDir
    Path dir;

    int exit;
    String output;

    void check(Path routes, List<Path> drafts, Map<String, String> overrides) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
                "outbox.dir", dir.resolve("outbox").toString(), "sandbox.dir", dir.resolve("sandbox").toString()));
        settings.putAll(overrides);
        exit = Check.run(routes, PACKAGED, drafts, settings, LOCATIONS, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        output = bytes.toString(StandardCharsets.UTF_8);
    }

    Path routesWith(Map<String, String> files) throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> packaged = Files.list(Path.of("routes"))) {
            for (Path p : packaged.toList()) {
                Files.copy(p, routes.resolve(p.getFileName()));
            }
        }
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(routes.resolve(file.getKey()), file.getValue());
        }
        return routes;
    }

    @Test
    void thePackagedRoutesTheReadmeRouteAndGoodDraftsHaveNoProblem() throws Exception {
        Path routes = routesWith(Map.of(
                "http-drafts.yaml", Files.readString(Path.of("src/test/resources/user-routes/http-drafts.yaml")),
                "scans.yaml", """
                        - templatedRoute:
                            routeTemplateRef: watched-folder
                            parameters:
                              - { name: folder, value: scans }
                              - { name: to, value: "Accounts <accounts@example.com>" }
                        """));
        Path good = Files.writeString(dir.resolve("hello.json"), "{\"to\": \"bob@example.org\", \"subject\": \"Hi\", \"text\": \"x\"}");
        Path note = Files.writeString(dir.resolve("note.md"), "To: bob@example.org\nSubject: week\n\n# This week\n");
        check(routes, List.of(good, note, Path.of("examples/report.json")), Map.of("mail.from", "Outbox <outbox@example.com>"));
        assertThat(output).isEqualTo("check: no problems (7 route file(s), 3 draft(s))\n");
        assertThat(exit).isZero();
        // offline: no outbox opened or locked, no sandbox server, no templated folder created
        assertThat(dir.resolve("outbox")).doesNotExist();
        assertThat(dir.resolve("sandbox")).doesNotExist();
        assertThat(Path.of("scans")).doesNotExist();
    }

    @Test
    void thePackagedRoutesAloneHaveNoProblem() {
        check(null, List.of(), Map.of());
        assertThat(output).isEqualTo("check: no problems (4 route file(s), 0 draft(s))\n");
        assertThat(exit).isZero();
    }

    @Test
    void eachBrokenRouteFileIsReportedOnceWithItsLocation() throws Exception {
        String head = "- route:\n    from:\n      uri: timer:x\n      steps:\n";
        Path routes = routesWith(Map.of(
                "a-component.yaml", head + "        - to: kafka:orders\n",
                "b-syntax.yaml", "- route:\n    from:\n      uri: timer:x\n     steps:\n        - to: log:x\n",
                "c-eip.yaml", head + "        - too: log:x\n",
                "d-option.yaml", head + "        - log: ok\n        - to: log:x?showBodyy=true\n",
                "e-bean.yaml", head + "        - bean:\n            ref: noSuchBean\n",
                "f-placeholder.yaml", head + "        - to: \"log:{{no.such.key}}\"\n",
                "g-method.yaml", head + "        - bean:\n            ref: composer\n            method: noSuchMethod\n",
                "z-template.yaml", """
                        - templatedRoute:
                            routeTemplateRef: watched-folder
                            parameters:
                              - { name: folder, value: scans }
                              - { name: to, value: "accounts@@example.com" }
                        """));
        check(routes, List.of(), Map.of());
        List<String> lines = output.lines().toList();
        assertThat(lines).hasSize(9);
        assertThat(lines.get(8)).isEqualTo("check: 8 problem(s)");
        assertThat(exit).isEqualTo(1);
        String r = routes + "/";
        assertThat(lines).anyMatch(l -> l.startsWith(r + "a-component.yaml:5: to[kafka:orders]: No endpoint could be found for: kafka://orders"))
                .anyMatch(l -> l.startsWith(r + "b-syntax.yaml:4:6: expected <block end>, but found '<block mapping start>'"))
                .anyMatch(l -> l.equals(r + "c-eip.yaml:5:11: Unknown node id: too"))
                .anyMatch(l -> l.startsWith(r + "d-option.yaml:6: to[log:x?showBodyy=true]: ") && l.contains("Unknown parameters=[{showBodyy=true}]"))
                .anyMatch(l -> l.equals(r + "e-bean.yaml:5: Bean[ref:noSuchBean]: No bean could be found in the registry for: noSuchBean"))
                .anyMatch(l -> l.startsWith(r + "f-placeholder.yaml:5: to[log:{{no.such.key}}]: Property with key [no.such.key] not found"))
                .anyMatch(l -> l.startsWith(r + "g-method.yaml:5: Bean[ref:composer method:noSuchMethod]: Method with name: noSuchMethod not found"))
                .anyMatch(l -> l.contains("the route template watched-folder's parameter 'to' ('accounts@@example.com') is not a valid address list"));
        assertThat(output).doesNotContain("\tat ");
    }

    @Test
    void aDraftIsReportedWithTheReasonARealSendGives() throws Exception {
        // the hostile corpus with the reasons a real send files in .failed/ (HostileCorpusTest)
        Path drafts = Files.createDirectories(dir.resolve("drafts"));
        Files.createDirectories(drafts.resolve("files").resolve("folder"));
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        Path corpus = Path.of("src/test/resources/hostile");
        for (String line : Files.readAllLines(corpus.resolve("expected.csv"))) {
            String[] f = line.split("\\|", 3);
            if (line.startsWith("#") || f.length < 3 || !Files.exists(corpus.resolve(f[0])) || f[0].contains("symlink")) {
                continue;
            }
            Files.copy(corpus.resolve(f[0]), drafts.resolve(f[0]));
            expected.put(f[0], f[2]);
        }
        List<Path> files = new ArrayList<>();
        expected.keySet().forEach(name -> files.add(drafts.resolve(name)));
        check(null, files, Map.of("mail.from", "Outbox <outbox@example.com>", "mail.max-size", "1MB"));
        assertThat(expected).hasSizeGreaterThan(40);
        expected.forEach((name, reason) -> assertThat(output.lines()
                .filter(l -> l.startsWith(drafts.resolve(name) + ": ")).toList()).as(name)
                .singleElement().satisfies(l -> assertThat(l).startsWith(drafts.resolve(name) + ": invalid-draft: ").contains(reason)));
        assertThat(output).endsWith("check: " + expected.size() + " problem(s)\n");
        assertThat(exit).isEqualTo(1);
    }

    @Test
    void aJsonDraftsSyntaxErrorHasItsLineAndColumn() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"to\": \"bob@example.org\",\n \"subject\": \"hi\" \"text\": \"x\"}");
        check(null, List.of(bad, dir.resolve("gone.json")), Map.of("mail.from", "Outbox <outbox@example.com>"));
        assertThat(output).contains(bad + ": invalid-draft: the draft is not valid JSON: ").contains("(line 2, column 18)")
                .contains(dir.resolve("gone.json") + ": no such file");
        assertThat(exit).isEqualTo(1);
    }

    @Test
    void aSettingThatCannotWorkIsOneProblem() throws Exception {
        Path good = Files.writeString(dir.resolve("hello.json"), "{\"to\": \"bob@example.org\", \"text\": \"x\"}");
        check(null, List.of(good), Map.of("mail.from", "not an address"));
        assertThat(output.lines().toList()).hasSize(3);
        assertThat(output).startsWith("configuration: mail.from: ");
        assertThat(exit).isEqualTo(1);
    }

    @Test
    void aMergeDraftIsCheckedRowByRowAsARunWouldComposeIt() throws Exception {
        Path drafts = Files.createDirectories(dir.resolve("drafts"));
        Files.createDirectories(drafts.resolve("files"));
        Files.writeString(drafts.resolve("files/rows.csv"), "name,email\nZoë,zoe@example.org\nBo,not an address\n\"Doe, Jane\",\n");
        Path good = Files.writeString(drafts.resolve("good.merge.yaml"), "template: {from: a@example.com, to: \"{{name}} <{{email}}>\", "
                + "subject: \"Hi {{name}}\", text: hello}\nrows: [{name: Zoë, email: zoe@example.org}]\n");
        Path csv = Files.writeString(drafts.resolve("csv.merge.json"), "{\"template\": {\"from\": \"a@example.com\", "
                + "\"to\": \"{{email}}\", \"text\": \"{{name}} {{code}}\"}, \"rows\": \"files/rows.csv\"}");
        Path missing = Files.writeString(drafts.resolve("missing.merge.json"), "{\"template\": {\"to\": \"x@example.org\"}, "
                + "\"rows\": \"files/none.csv\"}");
        check(null, List.of(good, csv, missing), Map.of());
        assertThat(output).doesNotContain(good.toString());
        assertThat(output).contains(csv + ": row 1 (invalid-draft): \"template.text\" uses {{code}}");
        assertThat(output).contains(csv + ": row 3 (invalid-draft)");
        assertThat(output).contains(missing + ": invalid-draft: \"rows\": \"files/none.csv\" does not exist");
        assertThat(exit).isEqualTo(1);
    }
}
