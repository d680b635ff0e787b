package dev.outboxmailer.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster.mode=standby} on Camel's real FileLockClusterService and ClusteredRoutePolicy: the recovery runs
 * on taking the lead and before the pick-up route's first exchange; a standby's pick-up route stays stopped
 * while other routes run; a graceful stop hands the lead over; a leader whose heartbeat file is gone (its
 * disk lost) steps down, its pick-up route stops and does not start again.
 */
class StandbyTest {
    @TempDir
    Path outbox;

    private final List<String> events = new CopyOnWriteArrayList<>();

    @Test
    void theLeaderRecoversBeforeItsPickUpRouteRunsAndAStandbyOnlyWaits() throws Exception {
        AtomicReference<String> steppedDown = new AtomicReference<>();
        CamelContext first = context("first", steppedDown);
        ClusterRole firstRole = Standby.wire(new Wiring(first), outbox, () -> events.add("first recovered"),
                steppedDown::set).orElseThrow();
        AtomicInteger otherRuns = new AtomicInteger();
        routes(first, "first", otherRuns);
        first.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(firstRole::leading);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("first picked"));
            assertThat(events.get(0)).isEqualTo("first recovered");
            assertThat(health(firstRole).getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(health(firstRole).getDetails()).containsEntry("role", "leader");
            assertThat(outbox.resolve(".state/instance.lock")).exists();

            CamelContext second = context("second", steppedDown);
            ClusterRole secondRole = Standby.wire(new Wiring(second), outbox, () -> events.add("second recovered"),
                    steppedDown::set).orElseThrow();
            AtomicInteger secondOther = new AtomicInteger();
            routes(second, "second", secondOther);
            second.start();
            try {
                Thread.sleep(1_500); // several lock intervals
                assertThat(secondRole.role()).isEqualTo(ClusterRole.Role.STANDBY);
                assertThat(second.getRouteController().getRouteStatus("outbox-folder")).isEqualTo(ServiceStatus.Stopped);
                assertThat(secondOther.get()).as("routes other than the pick-up ones run on a standby").isPositive();
                assertThat(events).doesNotContain("second recovered", "second picked");
                assertThat(health(secondRole).getState()).isEqualTo(HealthCheck.State.UP);
                assertThat(health(secondRole).getDetails()).containsEntry("role", "standby");

                first.stop(); // a graceful stop clears the heartbeat: the standby takes over at its next look
                await().atMost(Duration.ofSeconds(5)).until(secondRole::leading);
                await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("second picked"));
                assertThat(events.indexOf("second recovered")).isLessThan(events.indexOf("second picked"));
                assertThat(steppedDown.get()).as("a graceful stop is not a step-down").isNull();
            } finally {
                second.stop();
            }
        } finally {
            first.stop();
        }
    }

    @Test
    void aLeaderThatCannotKeepItsHeartbeatStepsDownAndDoesNotLeadAgain() throws Exception {
        AtomicReference<String> steppedDown = new AtomicReference<>();
        CamelContext context = context("only", steppedDown);
        ClusterRole role = Standby.wire(new Wiring(context), outbox, () -> events.add("only recovered"),
                steppedDown::set).orElseThrow();
        routes(context, "only", new AtomicInteger());
        context.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("only picked"));
            Files.delete(outbox.resolve(".state/instance.lock.dat")); // the state the leader keeps is gone

            await().atMost(Duration.ofSeconds(5)).until(() -> steppedDown.get() != null);
            assertThat(steppedDown.get()).contains("lost").contains("instance.lock");
            assertThat(role.role()).isEqualTo(ClusterRole.Role.STEPPING_DOWN);
            assertThat(health(role).getState()).isEqualTo(HealthCheck.State.DOWN);
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    context.getRouteController().getRouteStatus("outbox-folder") == ServiceStatus.Stopped);
            int picked = (int) events.stream().filter("only picked"::equals).count();
            Thread.sleep(1_500); // the lock is free again: it is not taken up
            assertThat(events.stream().filter("only picked"::equals).count()).isEqualTo(picked);
            assertThat(context.getRouteController().getRouteStatus("outbox-folder")).isEqualTo(ServiceStatus.Stopped);
            assertThat(events).containsOnlyOnce("only recovered");
        } finally {
            context.stop();
        }
    }

    @Test
    void offIsTodaysBehaviourAndAWrongModeOrAMissingKubernetesIsAConfigurationError() throws Exception {
        CamelContext context = new DefaultCamelContext();
        assertThat(Standby.wire(new Wiring(context), outbox, () -> { }, r -> { })).isEmpty();

        context.getPropertiesComponent().addOverrideProperty("cluster.mode", "sometimes");
        assertThatThrownBy(() -> Standby.wire(new Wiring(context), outbox, () -> { }, r -> { }))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cluster.mode: 'sometimes' is not one of off, standby, kubernetes");

        context.getPropertiesComponent().addOverrideProperty("cluster.mode", "kubernetes");
        // the packaged jar does not carry camel-kubernetes (the tests have it, for KubernetesStandbyTest)
        context.setClassResolver(new org.apache.camel.impl.engine.DefaultClassResolver(context) {
            @Override
            public Class<?> resolveClass(String name) {
                return name.equals(Standby.KUBERNETES_SERVICE) ? null : super.resolveClass(name);
            }
        });
        assertThatThrownBy(() -> Standby.wire(new Wiring(context), outbox, () -> { }, r -> { }))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cluster.mode: kubernetes needs camel-kubernetes 4.18.0");

        context.getPropertiesComponent().addOverrideProperty("cluster.mode", "standby");
        context.getPropertiesComponent().addOverrideProperty("cluster.lock-interval", "10ms");
        assertThatThrownBy(() -> Standby.wire(new Wiring(context), outbox, () -> { }, r -> { }))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster.lock-interval: ");
    }

    private static CamelContext context(String name, AtomicReference<String> steppedDown) {
        DefaultCamelContext context = new DefaultCamelContext();
        context.getCamelContextExtension().setName(name);
        context.getPropertiesComponent().addOverrideProperty("cluster.mode", "standby");
        context.getPropertiesComponent().addOverrideProperty("cluster.lock-interval", "200ms");
        return context;
    }

    /** A pick-up route (by its id, leader only) and a route any instance runs. */
    private void routes(CamelContext context, String name, AtomicInteger otherRuns) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:pickup-" + name + "?period=50").routeId("outbox-folder")
                        .process(e -> events.add(name + " picked"));
                from("timer:other-" + name + "?period=50").routeId("other").process(e -> otherRuns.incrementAndGet());
            }
        });
    }

    private static org.apache.camel.health.HealthCheck.Result health(ClusterRole role) {
        return new ClusterHealthCheck(role).call();
    }
}
