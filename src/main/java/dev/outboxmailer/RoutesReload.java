package dev.outboxmailer;

import java.io.File;
import java.util.Collection;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.file.FileEndpoint;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.model.TemplatedRouteParameterDefinition;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's route reloading for {@code routes/*.yaml} (an edited or added file replaces only its own routes;
 * a broken one is logged and the running routes keep working), plus what Camel 4.18's reload leaves out:
 * the {@code templatedRoute}s of the file (a folder added with the template {@code watched-folder}) are
 * created again too. A templated route has a stable id (the template gives it one from its folder), so the
 * new one replaces the old.
 */
final class RoutesReload extends RouteWatcherReloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(RoutesReload.class);

    RoutesReload(String directory) {
        super(directory, false);
        setPattern("*.yaml");
        setRemoveAllRoutes(false);
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        super.onRouteReload(resources, removeEverything);
        if (resources == null) {
            return;
        }
        for (Resource resource : resources) {
            try {
                if (!resource.exists() || !text(resource).contains("templatedRoute")) {
                    continue; // nothing Camel's reload left out
                }
                for (RoutesBuilder builder : PluginHelper.getRoutesLoader(getCamelContext()).findRoutesBuilders(resource)) {
                    if (builder instanceof RouteBuilder routes) {
                        routes.configureRoutes(getCamelContext());
                        for (TemplatedRouteDefinition templated : routes.getTemplatedRouteCollection().getTemplatedRoutes()) {
                            replacing(templated);
                        }
                        routes.addTemplatedRoutesToCamelContext(getCamelContext());
                    }
                }
            } catch (Exception e) {
                LOG.error("Routes from {} not reloaded, the running routes keep working: {}", resource.getLocation(),
                        String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
            }
        }
    }

    private static String text(Resource resource) throws java.io.IOException {
        try (var in = resource.getInputStream()) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Stops and removes the route that watches the folder a templated route is about to watch. */
    private void replacing(TemplatedRouteDefinition templated) throws Exception {
        CamelContext context = getCamelContext();
        String folder = null;
        for (TemplatedRouteParameterDefinition p : templated.getParameters()) {
            if ("folder".equals(p.getName())) {
                folder = context.resolvePropertyPlaceholders(p.getValue());
            }
        }
        if (folder == null) {
            return;
        }
        File dir = new File(folder).getAbsoluteFile();
        for (Route route : List.copyOf(context.getRoutes())) {
            if (route.getEndpoint() instanceof FileEndpoint file && !"outbox-folder".equals(route.getRouteId())
                    && file.getFile().getAbsoluteFile().equals(dir)) {
                context.getRouteController().stopRoute(route.getRouteId());
                context.removeRoute(route.getRouteId());
            }
        }
    }
}
