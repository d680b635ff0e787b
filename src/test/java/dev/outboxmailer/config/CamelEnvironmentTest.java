package dev.outboxmailer.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's rule for camel.* keys in the environment (the packaged jar: {@code EnvironmentIT}). */
class CamelEnvironmentTest {

    @Test
    void aPortIsASettingLikeAnyOther() {
        assertThat(CamelEnvironment.settings(Map.of("CAMEL_MANAGEMENT_PORT", "8090", "CAMEL_SERVER_PORT", "8081"), List.of()))
                .containsExactlyInAnyOrderEntriesOf(Map.of("camel.management.port", "8090", "camel.server.port", "8081"));
    }

    @Test
    void aVariableStandsForTheKeyAsWrittenInTheDefaultsOrTheFiles() {
        Map<String, String> settings = CamelEnvironment.settings(Map.of(
                        "CAMEL_MANAGEMENT_HEALTHCHECKENABLED", "false",
                        "CAMEL_MANAGEMENT_HEALTH_PATH", "/ready",
                        "CAMEL_MAIN_SHUTDOWNTIMEOUT", "5"),
                List.of("camel.management.healthCheckEnabled", "camel.management.health-path", "smtp.host"));
        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
                "camel.management.healthCheckEnabled", "false",
                "camel.management.health-path", "/ready",
                "camel.main.shutdowntimeout", "5"));
    }

    @Test
    void onlyCamelVariablesAndNoKubernetesServiceLinks() {
        Map<String, String> env = Map.of(
                "SMTP_HOST", "mail.example.com",
                "CAMEL_", "x",
                "CAMEL_MANAGEMENT_SERVICE_HOST", "10.0.0.7",
                "CAMEL_MANAGEMENT_SERVICE_PORT", "8080",
                "CAMEL_MANAGEMENT_PORT", "tcp://10.0.0.7:8080",
                "CAMEL_MANAGEMENT_PORT_8080_TCP", "tcp://10.0.0.7:8080",
                "CAMEL_MANAGEMENT_PORT_8080_TCP_ADDR", "10.0.0.7");
        assertThat(CamelEnvironment.settings(env, List.of())).isEmpty();
    }

    @Test
    void theCommandLineWinsAndCamelMainsOwnMappingIsOff() {
        Map<String, String> overrides = new LinkedHashMap<>();
        CamelEnvironment.apply(overrides::put, Map.of("camel.management.port", "9000"),
                Map.of("CAMEL_MANAGEMENT_PORT", "8090", "CAMEL_MAIN_NAME", "from-env"));
        assertThat(overrides).containsExactlyInAnyOrderEntriesOf(Map.of(
                CamelEnvironment.CAMEL_MAIN_MAPPING, "false",
                "camel.main.name", "from-env"));
    }
}
