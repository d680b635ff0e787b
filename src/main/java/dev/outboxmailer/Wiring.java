package dev.outboxmailer;

import dev.outboxmailer.config.Values;
import java.time.Duration;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;

/**
 * What the stages' bean factories ({@code DeliveryBeans}, {@code ObserveBeans}, {@code IntakeBeans},
 * {@code QueueBeans}, {@code OutcomeBeans}) need of the CamelContext: settings, names for the beans the YAML
 * routes refer to, health checks, and resources to close when the application stops.
 */
public final class Wiring {
    private final CamelContext context;

    public Wiring(CamelContext context) {
        this.context = context;
    }

    public Optional<String> property(String key) {
        return context.getPropertiesComponent().resolveProperty(key);
    }

    /** A setting computed at start, for the routes' placeholders. */
    public void derive(String key, String value) {
        context.getPropertiesComponent().addOverrideProperty(key, value);
    }

    public Duration duration(String key, String otherwise) {
        return Values.duration(key, property(key).orElse(otherwise));
    }

    /** Binds a bean under the name the routes use; returns it. */
    public <T> T bind(String name, T bean) {
        context.getRegistry().bind(name, bean);
        return bean;
    }

    public HealthCheckRegistry health() {
        return HealthCheckRegistry.get(context);
    }

    public CamelContext context() {
        return context;
    }

    /** Closes the resource when the CamelContext stops; returns it. */
    public <T extends AutoCloseable> T closeAtStop(T resource) {
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() throws Exception {
                    resource.close();
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot register " + resource + " to be closed at stop", e);
        }
        return resource;
    }
}
