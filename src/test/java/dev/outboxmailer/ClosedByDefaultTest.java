package dev.outboxmailer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.support.RunningMailer;
import dev.outboxmailer.support.ScriptedSmtpServer;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9 "Closed by default", the management server: health and metrics answer on 127.0.0.1 only, unless
 * {@code camel.management.host} opens them (the README's Prometheus example).
 */
class ClosedByDefaultTest {
    @TempDir
    Path dir;

    @Test
    void healthAndMetricsAnswerOnLoopbackOnly() throws Exception {
        InetAddress outside = nonLoopbackAddress();
        int port = ScriptedSmtpServer.freePort();
        Map<String, String> settings = new HashMap<>();
        settings.put("camel.management.port", String.valueOf(port));
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(RunningMailer.get(port, "/observe/health").getKey()).isEqualTo(200));
            assertThatThrownBy(() -> connect(outside, port)).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void camelManagementHostOpensThemToTheNetwork() throws Exception {
        InetAddress outside = nonLoopbackAddress();
        int port = ScriptedSmtpServer.freePort();
        Map<String, String> settings = new HashMap<>();
        settings.put("camel.management.port", String.valueOf(port));
        settings.put("camel.management.host", "0.0.0.0");
        try (RunningMailer mailer = RunningMailer.start(dir, settings)) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(RunningMailer.get(port, "/observe/health").getKey()).isEqualTo(200));
            connect(outside, port); // answers
        }
    }

    private static void connect(InetAddress address, int port) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2_000);
        }
    }

    /** An IPv4 address of this machine that is not loopback (the test needs one). */
    static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        Assumptions.abort("this machine has no non-loopback IPv4 address to test the bind address with");
        return null;
    }
}
