package dev.outboxmailer.cluster;

import dev.outboxmailer.config.Values;
import dev.outboxmailer.Wiring;
import dev.outboxmailer.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.NamedNode;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.impl.cluster.ClusteredRoutePolicy;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.PropertyBindingSupport;

/**
 * {@code cluster.mode}: one outbox, several instances, one of them active (issue 17). Off by default: a second
 * instance on a folder stops at start as it always did, naming the one that holds it.
 *
 * <ul>
 *   <li>{@code standby}: Camel's {@link FileLockClusterService} on the outbox's own filesystem — the lock is
 *       {@code outbox/.state/instance.lock}, the same file a mailer without {@code cluster.mode} locks whole, so
 *       the two kinds exclude each other too — with its leader's heartbeat in {@code instance.lock.dat};</li>
 *   <li>{@code kubernetes}: Camel's Kubernetes lease ({@code KubernetesClusterService} of camel-kubernetes, which
 *       is not in the jar: put it on the class path), configured by {@code cluster.kubernetes.*}.</li>
 * </ul>
 *
 * The routes that pick drafts up — {@code outbox-folder}, {@code waiting-drafts}, {@code unfiled-outcomes},
 * {@code bounces}, every route that consumes a {@code file:} endpoint (the watched folders) and those named by
 * {@code cluster.routes} — get a {@link ClusteredRoutePolicy}: they run on the leader only. The queue consumer
 * runs on every instance (the broker shares its work). The {@link ClusterRole} listener is registered on the
 * cluster view before any of those policies exists, so on gaining the lead it runs the recovery first.
 */
public final class Standby {
    /** The lock file under the outbox's {@code .state/}: the view's namespace. */
    public static final String LOCK = "instance.lock";
    /** The Kubernetes lease's default name prefix (camel-kubernetes' kubernetesResourceName). */
    static final String LEASE = "outbox-mailer";
    /** The pick-up routes of routes/*.yaml that run on the leader only. */
    static final Set<String> LEADER_ROUTES = Set.of("outbox-folder", "waiting-drafts", "unfiled-outcomes", "bounces");
    static final String KUBERNETES_SERVICE = "org.apache.camel.component.kubernetes.cluster.KubernetesClusterService";
    static final String KUBERNETES_CONFIGURATION = "org.apache.camel.component.kubernetes.KubernetesConfiguration";

    private Standby() {}

    /**
     * Sets up the cluster service, the route policies and the {@code cluster} health check when
     * {@code cluster.mode} is not {@code off}; empty (today's behaviour: one instance per folder) otherwise.
     *
     * @param recovery what the new leader runs before any of its routes picks anything up
     */
    public static Optional<ClusterRole> wire(Wiring wiring, Path outbox, Runnable recovery) throws Exception {
        return wire(wiring, outbox, recovery, null);
    }

    /**
     * @param stepDown what a leader that lost the lock does; null: the application's, which exits with code 3
     *                 once the leader-only routes have stopped
     */
    static Optional<ClusterRole> wire(Wiring wiring, Path outbox, Runnable recovery,
                                      java.util.function.Consumer<String> stepDown) throws Exception {
        String mode = wiring.property("cluster.mode").orElse("off").trim().toLowerCase(Locale.ROOT);
        if (mode.equals("off") || mode.isEmpty()) {
            return Optional.empty();
        }
        CamelContext context = wiring.context();
        CamelClusterService service;
        String namespace;
        String where;
        Duration interval = wiring.duration("cluster.lock-interval", "2s");
        if (interval.toMillis() < 100) {
            throw new ConfigException("cluster.lock-interval", "'" + interval + "' is too short: at least 100ms");
        }
        switch (mode) {
            case "standby" -> {
                Path state = outbox.toAbsolutePath().normalize().resolve(".state");
                service = fileLock(state, interval);
                namespace = LOCK;
                where = state.resolve(LOCK).toString();
            }
            case "kubernetes" -> {
                namespace = "outbox"; // the lease's name is cluster.kubernetes.lease, then "-outbox"
                service = kubernetes(wiring, context);
                where = "the Kubernetes lease " + wiring.property("cluster.kubernetes.lease").orElse(LEASE) + "-"
                        + namespace;
            }
            default -> throw new ConfigException("cluster.mode", "'" + mode + "' is not one of off, standby, kubernetes");
        }
        service.setId(Values.thisProcess());
        context.addService(service);

        Set<String> extra = Arrays.stream(wiring.property("cluster.routes").orElse("").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        LeaderOnly leaderOnly = new LeaderOnly(service, namespace, extra);
        if (stepDown == null) {
            stepDown = reason -> ClusterRole.exitToStepDown(() -> leaderOnly.stopped(context));
        }
        ClusterRole leadership = new ClusterRole(mode, where, service.getId(), recovery, stepDown);
        // first on the view: its listeners are told in the order they were added, so the recovery runs before
        // any ClusteredRoutePolicy (added as the routes are created, later) starts a route
        CamelClusterView view = service.getView(namespace);
        view.addEventListener(leadership);

        context.addRoutePolicyFactory(leaderOnly);
        wiring.health().register(new ClusterHealthCheck(leadership));
        return Optional.of(leadership);
    }

    /** The file lock: tried every {@code interval}; a leader silent for three intervals is taken over. */
    static FileLockClusterService fileLock(Path root, Duration interval) {
        FileLockClusterService service = new FileLockClusterService();
        service.setRoot(root.toString());
        service.setAcquireLockDelay(1, TimeUnit.SECONDS);
        service.setAcquireLockInterval(interval.toMillis(), TimeUnit.MILLISECONDS);
        service.setHeartbeatTimeoutMultiplier(3);
        // a heartbeat that cannot be written (the disk gone, or hung) within two tries of 5 s (or two intervals)
        // each makes the leader step down; a busy machine's slow write does not
        service.setClusterDataTaskTimeout(Math.max(5_000, 2 * interval.toMillis()), TimeUnit.MILLISECONDS);
        service.setClusterDataTaskMaxAttempts(2);
        return service;
    }

    /** camel-kubernetes' lease service, by name (it is not in the jar), with the cluster.kubernetes.* settings. */
    static CamelClusterService kubernetes(Wiring wiring, CamelContext context) {
        Class<?> type = context.getClassResolver().resolveClass(KUBERNETES_SERVICE);
        if (type == null) {
            throw new ConfigException("cluster.mode", "kubernetes needs camel-kubernetes 4.18.0 (and its Kubernetes "
                    + "client) on the class path, which the jar does not carry: run java -cp "
                    + "'outbox-mailer.jar:lib/*' dev.outboxmailer.OutboxMailer with them in lib/ (see the README)");
        }
        // the client's settings (and the namespace of the lease and of the pods listed as members) go in a
        // KubernetesConfiguration given to the constructor: camel-kubernetes 4.18 ignores the service's own masterUrl
        // and namespace when it was made without one (its doInit skips them)
        Map<String, Object> client = new HashMap<>();
        wiring.property("cluster.kubernetes.master-url").ifPresent(v -> client.put("masterUrl", v));
        wiring.property("cluster.kubernetes.namespace").ifPresent(v -> client.put("namespace", v));
        CamelClusterService service;
        try {
            Class<?> configurationType = context.getClassResolver().resolveMandatoryClass(KUBERNETES_CONFIGURATION);
            Object configuration = configurationType.getConstructor().newInstance();
            PropertyBindingSupport.build().withProperties(client).withTarget(configuration).withCamelContext(context).bind();
            service = (CamelClusterService) type.getConstructor(CamelContext.class, configurationType)
                    .newInstance(context, configuration);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("camel-kubernetes' " + KUBERNETES_SERVICE + " cannot be made: " + e, e);
        }
        Map<String, Object> options = new HashMap<>();
        options.put("kubernetesResourceName", wiring.property("cluster.kubernetes.lease").orElse(LEASE));
        options.put("leaseResourceType", "Lease");
        options.put("leaseDurationMillis", 10_000L);
        options.put("renewDeadlineMillis", 8_000L);
        options.put("retryPeriodMillis", 2_000L);
        wiring.property("cluster.kubernetes.pod-name").ifPresent(v -> options.put("podName", v));
        for (String key : new String[] {"lease-duration", "renew-deadline", "retry-period"}) {
            String option = switch (key) {
                case "lease-duration" -> "leaseDurationMillis";
                case "renew-deadline" -> "renewDeadlineMillis";
                default -> "retryPeriodMillis";
            };
            wiring.property("cluster.kubernetes." + key)
                    .ifPresent(v -> options.put(option, dev.outboxmailer.config.Values.duration(
                            "cluster.kubernetes." + key, v).toMillis()));
        }
        PropertyBindingSupport.build().withIgnoreCase(true).withProperties(options).withTarget(service)
                .withCamelContext(context).bind();
        return service;
    }

    /** Gives the pick-up routes (and the {@code file:} ones, and {@code cluster.routes}) a ClusteredRoutePolicy. */
    static final class LeaderOnly implements RoutePolicyFactory {
        private final CamelClusterService service;
        private final String namespace;
        private final Set<String> extra;
        private final Set<String> routes = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /** Whether every route given a policy is stopped (or gone). */
        boolean stopped(CamelContext context) {
            return routes.stream().map(id -> context.getRouteController().getRouteStatus(id))
                    .allMatch(status -> status == null || status.isStopped());
        }

        LeaderOnly(CamelClusterService service, String namespace, Set<String> extra) {
            this.service = service;
            this.namespace = namespace;
            this.extra = extra;
        }

        @Override
        public RoutePolicy createRoutePolicy(CamelContext context, String routeId, NamedNode route) {
            if (!leaderOnly(routeId, route, extra)) {
                return null;
            }
            try {
                // one per route: a route reloaded from routes/ gets a fresh one, told the current leadership at once
                ClusteredRoutePolicy policy = ClusteredRoutePolicy.forNamespace(service, namespace);
                policy.setCamelContext(context);
                routes.add(routeId);
                return policy;
            } catch (Exception e) {
                throw new IllegalStateException("cannot make route " + routeId + " run on the leader only", e);
            }
        }
    }

    static boolean leaderOnly(String routeId, NamedNode route, Set<String> extra) {
        if (LEADER_ROUTES.contains(routeId) || extra.contains(routeId)) {
            return true;
        }
        if (route instanceof RouteDefinition definition && definition.getInput() != null) {
            String uri = definition.getInput().getEndpointUri();
            return uri != null && uri.startsWith("file:");
        }
        return false;
    }
}
