package dev.outboxmailer.console;

import dev.outboxmailer.Wiring;
import dev.outboxmailer.bounce.Suppression;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.Outboxes;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console (SPEC §14) joins the management server (camel-platform-http-main's {@link ManagementHttpServer},
 * which serves /observe/health and /observe/metrics) once it runs: its routes go on that server's Vert.x router.
 * Settings: {@code console.enabled} (default true), {@code console.token}.
 */
public final class ConsoleBeans {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleBeans.class);

    private ConsoleBeans() {}

    /**
     * @param outboxes the opened outboxes: on a standby (cluster.mode) the main one is opened only when it
     *                 takes the lead, so until then the console shows no waiting drafts and says why
     * @param standby  why this instance sends nothing (it is a standby), or null
     */
    public static void wire(Wiring wiring, Path outbox, Outboxes outboxes, Supplier<String> standby, DeliveryPause pause,
                            Clock clock, boolean sandboxRuns) throws Exception {
        if (!"true".equalsIgnoreCase(wiring.property("console.enabled").orElse("true").strip())
                || !"true".equalsIgnoreCase(wiring.property("camel.management.enabled").orElse("false").strip())) {
            return;
        }
        Suppression suppression = new Suppression(outbox, clock);
        String host = wiring.property("camel.management.host").orElse("127.0.0.1").strip();
        ConsoleAccess access = new ConsoleAccess(wiring.property("console.token"), host);
        Console console = new Console(new OutboxView(outbox, () -> {
            Outboxes.Outbox opened = outboxes.of(outbox);
            return opened == null ? null : opened.schedule();
        }, standby, pause, clock),
                new SandboxView(Path.of(wiring.property("sandbox.dir").orElse("sandbox"))), sandboxRuns,
                new ConsoleActions(outbox, suppression, clock), access, suppression);
        wiring.context().addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // the routes go on once everything, the management server included, has started
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
                VertxPlatformHttpRouter router = server == null ? null : server.getRouter();
                if (router == null) {
                    LOG.warn("The console is not served: the management server is not running");
                    return;
                }
                console.mount(router);
                int port = router.getServer() == null ? server.getPort() : router.getServer().getPort();
                boolean loopback = ConsoleAccess.isLoopbackHost(host);
                LOG.info("CONSOLE: open http://{}:{}/{}", loopback ? "127.0.0.1" : host.equals("0.0.0.0") ? "<this host>" : host,
                        port, access.hasToken() ? "?token=<console.token>" : loopback ? "" : " (it needs console.token)");
            }
        });
    }
}
