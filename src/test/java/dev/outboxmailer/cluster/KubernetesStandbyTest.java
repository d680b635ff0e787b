package dev.outboxmailer.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outboxmailer.Wiring;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster.mode=kubernetes} with camel-kubernetes' lease service against the fabric8 mock API server in
 * CRUD mode (no cluster can be had here; the server keeps leases and pods as the API server would): the first
 * pod takes the {@code Lease} {@code outbox-mailer-outbox} and recovers before its pick-up route runs, the
 * second waits as standby, and when the leader's container dies (its pod no longer ready) the standby takes the
 * lease within 15 s, recovers, and leads.
 */
class KubernetesStandbyTest {
    static final String NAMESPACE = "mail";

    @TempDir
    Path outbox;

    private KubernetesMockServer server;
    private KubernetesClient client;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startApiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        for (String pod : List.of("mailer-a", "mailer-b")) {
            client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName(pod)
                    .withNamespace(NAMESPACE).endMetadata()
                    .withNewStatus().withPhase("Running").withInitContainerStatuses(List.of())
                    .addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .addNewContainerStatus().withName("outbox-mailer").withReady(true).endContainerStatus()
                    .endStatus().build()).create();
        }
    }

    @AfterEach
    void stopApiServer() {
        client.close();
        server.destroy();
    }

    @Test
    void onePodLeadsByTheLeaseAndTheOtherTakesOverWhenItsPodIsNoLongerReady() throws Exception {
        AtomicReference<String> steppedDown = new AtomicReference<>();
        CamelContext a = context("mailer-a");
        ClusterRole aRole = Standby.wire(new Wiring(a), outbox, () -> events.add("mailer-a recovered"),
                steppedDown::set).orElseThrow();
        routes(a, "mailer-a");
        a.start();
        CamelContext b = null;
        try {
            await().atMost(Duration.ofSeconds(20)).until(aRole::leading);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("mailer-a picked"));
            assertThat(events.get(0)).isEqualTo("mailer-a recovered");
            Lease lease = client.leases().inNamespace(NAMESPACE).withName("outbox-mailer-outbox").get();
            assertThat(lease).as("the Lease the README names").isNotNull();
            assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("mailer-a");

            b = context("mailer-b");
            ClusterRole bRole = Standby.wire(new Wiring(b), outbox, () -> events.add("mailer-b recovered"),
                    steppedDown::set).orElseThrow();
            routes(b, "mailer-b");
            b.start();
            Thread.sleep(3_000); // more than a retry period: the lease is held, so b waits
            assertThat(bRole.role()).isEqualTo(ClusterRole.Role.STANDBY);
            assertThat(b.getRouteController().getRouteStatus("outbox-folder")).isEqualTo(ServiceStatus.Stopped);
            assertThat(events).doesNotContain("mailer-b recovered", "mailer-b picked");

            // the leader's container dies: its mailer is gone and Kubernetes marks the pod not ready (camel-kubernetes
            // judges a leader by its pod's readiness, not by lease renewals)
            a.stop();
            client.pods().inNamespace(NAMESPACE).withName("mailer-a").editStatus(p -> new PodBuilder(p).editStatus()
                    .withConditions(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder()
                            .withType("Ready").withStatus("False").build()))
                    .withContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                            .withName("outbox-mailer").withReady(false).build()))
                    .endStatus().build());
            long lost = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(bRole::leading);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("mailer-b picked"));
            long tookOver = (System.nanoTime() - lost) / 1_000_000;
            assertThat(events.indexOf("mailer-b recovered")).isLessThan(events.indexOf("mailer-b picked"));
            assertThat(client.leases().inNamespace(NAMESPACE).withName("outbox-mailer-outbox").get()
                    .getSpec().getHolderIdentity()).isEqualTo("mailer-b");
            assertThat(tookOver).as("takeover, ms").isLessThanOrEqualTo(15_000);
            System.out.printf("kubernetes standby test: took over in %d ms%n", tookOver);
        } finally {
            if (b != null) {
                b.stop();
            }
            a.stop();
        }
    }

    private CamelContext context(String pod) {
        DefaultCamelContext context = new DefaultCamelContext();
        context.getCamelContextExtension().setName(pod);
        context.getPropertiesComponent().addOverrideProperty("cluster.mode", "kubernetes");
        context.getPropertiesComponent().addOverrideProperty("cluster.kubernetes.master-url", server.url("/"));
        context.getPropertiesComponent().addOverrideProperty("cluster.kubernetes.namespace", NAMESPACE);
        context.getPropertiesComponent().addOverrideProperty("cluster.kubernetes.pod-name", pod);
        return context;
    }

    private void routes(CamelContext context, String pod) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:pickup-" + pod + "?period=50").routeId("outbox-folder").process(e -> events.add(pod + " picked"));
            }
        });
    }
}
