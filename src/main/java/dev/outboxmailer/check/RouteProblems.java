package dev.outboxmailer.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * A route author's mistake, as Camel reported it while loading or creating the routes, in one line:
 * {@code routes/x.yaml:5: to[kafka:foo]: No endpoint could be found for: kafka://foo, …} — the file, the line
 * (and the column where the YAML parser knows it), the step, and Camel's own reason.
 */
public final class RouteProblems {
    private static final Pattern STEP = Pattern.compile("at: >>> (.*?) <<< in route:", Pattern.DOTALL);
    private static final Pattern RESOURCE = Pattern.compile("(?:resource|source): ?((?:file|classpath):[^\\s)]+)");

    private RouteProblems() {}

    /** The route problem among {@code e} and its causes, if it is one; {@code context} holds the loaded routes. */
    public static Optional<String> describe(Throwable e, CamelContext context) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException yaml) {
                return Optional.of(yaml(yaml, resourceOf(e)));
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FailedToCreateRouteException failed) {
                return Optional.of(created(failed, context));
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String resource = resourceIn(t.getMessage());
            if (resource != null) { // "Cannot load routes from resource: file:…", "Error pre-parsing resource: …"
                return Optional.of(where(resource) + ": " + reason(t.getCause() != null ? t.getCause() : t));
            }
        }
        return Optional.empty();
    }

    /** Whether the route that could not be created was made from a route template. */
    public static boolean fromTemplate(Throwable e, CamelContext context) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FailedToCreateRouteException failed && context instanceof ModelCamelContext model
                    && failed.getRouteId() != null) {
                RouteDefinition route = model.getRouteDefinition(failed.getRouteId());
                return route != null && route.isCreatedFromTemplate();
            }
        }
        return false;
    }

    private static String yaml(MarkedYamlEngineException yaml, String resource) {
        Optional<Mark> mark = yaml.getProblemMark().or(yaml::getContextMark);
        String file = mark.map(Mark::getName).filter(n -> n.contains(":")).orElse(resource);
        String at = mark.map(m -> ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)).orElse("");
        StringBuilder reason = new StringBuilder(oneLine(yaml.getProblem()));
        if (yaml.getContext() != null && !yaml.getContext().isBlank()) {
            reason.append(" (").append(oneLine(yaml.getContext()));
            yaml.getContextMark().filter(m -> yaml.getProblemMark().isPresent())
                    .ifPresent(m -> reason.append(" at line ").append(m.getLine() + 1));
            reason.append(')');
        }
        return where(file) + at + ": " + reason;
    }

    private static String created(FailedToCreateRouteException failed, CamelContext context) {
        String message = String.valueOf(failed.getMessage());
        Matcher step = STEP.matcher(message);
        String label = step.find() ? step.group(1) : null;
        RouteDefinition route = null;
        if (context instanceof ModelCamelContext model && failed.getRouteId() != null) {
            route = model.getRouteDefinition(failed.getRouteId());
        }
        String resource = failed.getLocation();
        int line = -1;
        if (route != null) {
            if (resource == null) {
                resource = route.getLocation();
            }
            ProcessorDefinition<?> node = label == null ? null : find(route.getOutputs(), label);
            if (resource == null && node != null) {
                resource = node.getLocation(); // a route made from a template: the template's file
            }
            if (node != null && node.getLineNumber() > 0) {
                line = node.getLineNumber();
            } else if (route.getInput() != null && route.getInput().getLineNumber() > 0) {
                line = route.getInput().getLineNumber(); // the route's own endpoint (from:)
            } else {
                line = route.getLineNumber();
            }
        }
        if (resource == null) {
            resource = resourceIn(message);
        }
        String file = resource == null ? "route " + failed.getRouteId() : where(resource) + (line > 0 ? ":" + line : "");
        String template = route != null && route.isCreatedFromTemplate()
                ? " (in a route made from a route template)" : "";
        String what = label != null ? label + template
                : route != null && route.getInput() != null ? "from[" + route.getInput().getEndpointUri() + "]"
                : "route " + failed.getRouteId();
        return file + ": " + what + ": " + reason(failed.getCause() != null ? failed.getCause() : failed);
    }

    private static ProcessorDefinition<?> find(List<ProcessorDefinition<?>> nodes, String label) {
        for (ProcessorDefinition<?> node : new ArrayList<>(nodes)) {
            if (label.equals(String.valueOf(node))) {
                return node;
            }
            ProcessorDefinition<?> inner = find(node.getOutputs(), label);
            if (inner != null) {
                return inner;
            }
        }
        return null;
    }

    /** Camel's reason: the innermost message, which the outer ones only repeat. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.outboxmailer.config.ConfigException) {
                return oneLine(t.getMessage()); // the mailer's own words, naming what to fix
            }
        }
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest && deepest.getCause().getMessage() != null) {
            deepest = deepest.getCause();
        }
        String message = deepest.getMessage();
        return oneLine(message == null ? deepest.getClass().getSimpleName() : message);
    }

    private static String resourceOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String resource = resourceIn(t.getMessage());
            if (resource != null) {
                return resource;
            }
        }
        return "routes";
    }

    private static String resourceIn(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = RESOURCE.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** A resource as the user named it: {@code routes/x.yaml} for {@code file:routes/x.yaml}. */
    static String where(String resource) {
        return resource.startsWith("file:") ? resource.substring("file:".length()) : resource;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
