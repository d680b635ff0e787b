package dev.outboxmailer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueueSettingsTest {

    static Optional<QueueSettings> read(Map<String, String> values) {
        return QueueSettings.read(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void offUnlessAnUrlOrTheEmbeddedBrokerIsAskedFor() {
        assertThat(read(Map.of())).isEmpty();
        assertThat(read(Map.of("queue.embedded", "false", "queue.name", "mail"))).isEmpty();
    }

    @Test
    void theEmbeddedBrokerListensOnLoopbackAtItsPort() {
        QueueSettings q = read(Map.of("queue.embedded", "true")).orElseThrow();
        assertThat(q.url()).isEqualTo("tcp://127.0.0.1:61616");
        assertThat(q.embedded()).isTrue();
        assertThat(q.name()).isEqualTo("outbox");
        assertThat(q.deadLetterQueue()).isEqualTo("outbox.DLQ");
        assertThat(q.receiptQueue()).isEqualTo("outbox.receipts");
        assertThat(read(Map.of("queue.embedded", "true", "queue.embedded-port", "62000")).orElseThrow().url())
                .isEqualTo("tcp://127.0.0.1:62000");
    }

    @Test
    void anExternalBrokerWithALoginThatIsNeverPrinted() {
        QueueSettings q = read(Map.of("queue.url", "tcp://mq1:61616?user=mailer&password=s3cret",
                "queue.password", "s3cret", "queue.name", "mail")).orElseThrow();
        assertThat(q.embedded()).isFalse();
        assertThat(q.deadLetterQueue()).isEqualTo("mail.DLQ");
        assertThat(q.toString()).doesNotContain("s3cret").contains("mq1:61616");
    }

    @Test
    void valuesThatCannotWorkNameTheirKey() {
        assertThatThrownBy(() -> read(Map.of("queue.embedded", "true", "queue.url", "tcp://mq1:61616")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("queue.url:");
        assertThatThrownBy(() -> read(Map.of("queue.url", "http://mq1")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("queue.url:");
        assertThatThrownBy(() -> read(Map.of("queue.embedded", "yes please")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("queue.embedded:");
        assertThatThrownBy(() -> read(Map.of("queue.embedded", "true", "queue.embedded-port", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("queue.embedded-port:");
        assertThatThrownBy(() -> read(Map.of("queue.embedded", "true", "queue.name", "out box")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("queue.name:");
        assertThatThrownBy(() -> read(Map.of("queue.embedded", "true", "queue.consumers", "0")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("queue.consumers:");
    }
}
