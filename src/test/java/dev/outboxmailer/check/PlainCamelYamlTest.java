package dev.outboxmailer.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged routes and the README's routes are plain Camel YAML DSL, which Camel's own tooling opens: Camel's
 * YAML loader alone (no outbox-mailer class, no bean) reads each into route definitions.
 */
class PlainCamelYamlTest {
    static List<String[]> routeFiles() throws Exception {
        List<String[]> files = new ArrayList<>();
        try (Stream<Path> packaged = Files.list(Path.of("routes"))) {
            for (Path p : packaged.sorted().toList()) {
                files.add(new String[] {p.toString(), Files.readString(p)});
            }
        }
        String readme = Files.readString(Path.of("README.md"));
        Matcher block = Pattern.compile("```yaml\\n(- (?:route|routeConfiguration|templatedRoute|routeTemplate|rest|from|beans):.*?)```",
                Pattern.DOTALL).matcher(readme);
        while (block.find()) {
            files.add(new String[] {"README line " + (readme.substring(0, block.start()).lines().count() + 1), block.group(1)});
        }
        return files;
    }

    @ParameterizedTest
    @MethodSource("routeFiles")
    void camelsYamlLoaderAloneReadsIt(String name, String yaml) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.setAutoStartup(false);
            if (yaml.contains("routeTemplateRef: watched-folder")) { // a templated folder needs its template
                PluginHelper.getRoutesLoader(context).loadRoutes(
                        ResourceHelper.fromString("folders.yaml", Files.readString(Path.of("routes/folders.yaml"))));
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString(name.replaceAll("[^A-Za-z0-9]", "-") + ".yaml", yaml));
            assertThat(context.getRouteDefinitions().size() + context.getRouteTemplateDefinitions().size()
                    + context.getCamelContextExtension().getContextPlugin(org.apache.camel.model.Model.class)
                            .getRouteConfigurationDefinitions().size()).as(name).isPositive();
        }
    }

    @org.junit.jupiter.api.Test
    void theReadmeRoutesAreAmongThem() throws Exception {
        assertThat(routeFiles()).hasSizeGreaterThanOrEqualTo(4 + 3);
    }
}
