package dev.outboxmailer.check;

import dev.outboxmailer.compose.Composer;
import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.config.MailerSettings;
import dev.outboxmailer.config.QueueSettings;
import dev.outboxmailer.sign.Dkim;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;

/**
 * {@code check [routes-dir] [drafts…]}: validates route files and drafts offline, one line per problem.
 *
 * <p>Routes are loaded by Camel's own YAML loader and created (endpoints resolved, beans and property
 * placeholders looked up) in a CamelContext whose routes do not start: no consumer polls, no server is
 * contacted. The mailer's own beans are stand-ins there (no outbox is opened or locked), except the composer
 * and DKIM, which are the real ones. Drafts go through the real compose stage ({@link Composer#compose}),
 * so a draft's problem is reported with the reason a real send would give; nothing is sent.
 */
public final class Check {
    /**
     * The beans MailerBeans binds for the routes, by their classes: the check binds stand-ins of those classes
     * (made without running a constructor, so no outbox is opened, locked or recovered), which Camel can
     * introspect (a step's {@code method} must exist) but which are never called, since no route starts.
     */
    static final Map<String, String> MAILER_BEANS = Map.ofEntries(
            Map.entry("outboxFolder", "dev.outboxmailer.intake.OutboxFolder"),
            Map.entry("claimedDrafts", "dev.outboxmailer.intake.ClaimedDrafts"),
            Map.entry("directDrafts", "dev.outboxmailer.intake.DirectDrafts"),
            Map.entry("queueMessages", "dev.outboxmailer.intake.QueueMessages"),
            Map.entry("queueGate", "dev.outboxmailer.intake.QueueGate"),
            Map.entry("smtpSender", "dev.outboxmailer.deliver.PooledMailSender"),
            Map.entry("resends", "dev.outboxmailer.deliver.Resends"),
            Map.entry("outcomes", "dev.outboxmailer.outcome.Outcomes"),
            Map.entry("callerOutcomes", "dev.outboxmailer.outcome.CallerOutcomes"),
            Map.entry("queueOutcomes", "dev.outboxmailer.outcome.QueueOutcomes"),
            Map.entry("metrics", "dev.outboxmailer.observe.MailerMetrics"),
            Map.entry("sentIndex", "dev.outboxmailer.bounce.SentIndex"),
            Map.entry("suppression", "dev.outboxmailer.bounce.Suppression"),
            Map.entry("bounces", "dev.outboxmailer.bounce.Bounces"),
            Map.entry("envelopeSender", "dev.outboxmailer.bounce.EnvelopeSender"),
            Map.entry("mergeRuns", "dev.outboxmailer.merge.MergeRuns"),
            Map.entry("mergeQueue", "dev.outboxmailer.merge.MergeQueue"));

    private final Map<String, String> overrides;
    private final PrintStream out;
    private final List<String> problems = new ArrayList<>();

    private Check(Map<String, String> overrides, PrintStream out) {
        this.overrides = overrides;
        this.out = out;
    }

    /**
     * Checks the routes of {@code routesDir} (a folder of {@code *.yaml}; null for the packaged routes) and the
     * drafts; prints one line per problem and a summary; returns the exit code, 0 when there is none, else 1.
     */
    public static int run(Path routesDir, List<String> packagedRoutes, List<Path> drafts, Map<String, String> overrides,
                          String propertyLocations, PrintStream out) {
        Check check = new Check(overrides, out);
        List<String> routes = new ArrayList<>();
        if (routesDir != null) {
            try (Stream<Path> files = Files.list(routesDir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(p)).sorted()
                        .forEach(p -> routes.add("file:" + p));
            } catch (IOException e) {
                check.problem(routesDir + ": cannot be read: " + e.getMessage());
            }
        } else {
            packagedRoutes.forEach(name -> routes.add("classpath:routes/" + name));
        }
        Composer composer = check.routes(routes, propertyLocations);
        for (Path draft : expand(drafts, check)) {
            check.draft(draft, composer);
        }
        out.println(check.problems.isEmpty()
                ? "check: no problems (" + routes.size() + " route file(s), " + drafts.size() + " draft(s))"
                : "check: " + check.problems.size() + " problem(s)");
        return check.problems.isEmpty() ? 0 : 1;
    }

    private void problem(String line) {
        if (!problems.contains(line)) { // each problem once
            problems.add(line);
            out.println(line);
        }
    }

    /** Loads and creates the routes, again without each broken file until all are reported; returns the composer. */
    private Composer routes(List<String> resources, String propertyLocations) {
        Set<String> broken = new LinkedHashSet<>();
        Composer composer = null;
        for (int round = 0; round <= resources.size(); round++) {
            List<String> load = resources.stream().filter(r -> !broken.contains(r)).toList();
            Attempt attempt = attempt(load, broken, propertyLocations, round == 0);
            composer = attempt.composer;
            if (attempt.problem == null) {
                return composer;
            }
            String culprit = load.stream().filter(r -> attempt.problem.startsWith(RouteProblems.where(r) + ":"))
                    .findFirst().orElse(null);
            if (attempt.fromTemplate) {
                // the template's file is named; the file that made the route is found by trying each alone
                List<String> templated = load.stream().filter(Check::usesTemplates).toList();
                List<String> plain = load.stream().filter(r -> !templated.contains(r)).toList();
                boolean found = false;
                for (String candidate : templated) {
                    List<String> one = new ArrayList<>(plain);
                    one.add(candidate);
                    Attempt alone = attempt(one, new LinkedHashSet<>(), propertyLocations, false);
                    if (alone.problem != null && alone.fromTemplate) {
                        problem(RouteProblems.where(candidate) + ": " + alone.problem);
                        broken.add(candidate);
                        found = true;
                    }
                }
                if (found) {
                    continue;
                }
            }
            problem(attempt.problem);
            if (culprit == null || attempt.composer == null) {
                return composer; // not one file's fault: reported once, nothing more to learn
            }
            broken.add(culprit);
        }
        return composer;
    }

    private record Attempt(Composer composer, String problem, boolean fromTemplate) {}

    /** One CamelContext with these route files, created and not started; files that cannot be loaded are reported. */
    private Attempt attempt(List<String> resources, Set<String> broken, String propertyLocations, boolean report) {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation(propertyLocations);
            Properties props = new Properties();
            props.putAll(overrides);
            context.getPropertiesComponent().setOverrideProperties(props);
            context.setAutoStartup(false); // routes are created, their consumers never started
            Composer composer = bind(context, report);
            if (composer == null) {
                return new Attempt(null, null, false); // the configuration itself is wrong: reported
            }
            RoutesLoader loader = PluginHelper.getRoutesLoader(context);
            for (String location : resources) {
                Resource resource = PluginHelper.getResourceLoader(context).resolveResource(location);
                try {
                    loader.loadRoutes(resource);
                } catch (Exception e) {
                    broken.add(location);
                    problem(RouteProblems.describe(e, context)
                            .orElse(RouteProblems.where(location) + ": " + RouteProblems.reason(e)));
                }
            }
            try {
                context.start();
                return new Attempt(composer, null, false);
            } catch (Exception e) {
                String line = RouteProblems.describe(e, context).orElse("routes: " + RouteProblems.reason(e));
                return new Attempt(composer, line, RouteProblems.fromTemplate(e, context));
            }
        } catch (RuntimeException | IOException e) {
            return new Attempt(null, "routes: " + RouteProblems.reason(e), false);
        }
    }

    private static boolean usesTemplates(String location) {
        if (!location.startsWith("file:")) {
            return false;
        }
        try {
            return Files.readString(Path.of(location.substring("file:".length()))).lines().anyMatch(l -> l.matches("\\s*-?\\s*templatedRoute:.*"));
        } catch (IOException e) {
            return false;
        }
    }

    /** The beans the routes refer to; null (reported) when the configuration cannot make them. */
    private Composer bind(CamelContext context, boolean report) {
        var properties = context.getPropertiesComponent();
        try {
            MailerSettings settings = MailerSettings.read(properties::resolveProperty);
            // the settings a real start derives for the routes' placeholders, by the same code
            dev.outboxmailer.Wiring wiring = new dev.outboxmailer.Wiring(context);
            wiring.derive("queue.enabled", String.valueOf(QueueSettings.read(properties::resolveProperty).isPresent()));
            dev.outboxmailer.deliver.DeliveryBeans.deriveRouteSettings(wiring, settings);
            dev.outboxmailer.bounce.BounceBeans.routeOff(wiring); // a check reads no mailbox
            Composer composer = new Composer(settings.compose());
            context.getRegistry().bind("composer", composer);
            context.getRegistry().bind("dkim", Dkim.create(properties));
            for (Map.Entry<String, String> bean : MAILER_BEANS.entrySet()) {
                context.getRegistry().bind(bean.getKey(), StandIns.of(bean.getValue()));
            }
            // the template watched-folder's route policy opens its folder when the route is created: not here
            context.getRegistry().bind("watchedFolders", new StandIns.WatchedFolders());
            context.getRegistry().bind("jms", new org.apache.camel.component.jms.JmsComponent());
            context.getRegistry().bind("fileCompletionErrors", dev.outboxmailer.intake.IntakeBeans.fileCompletionErrors(context));
            return composer;
        } catch (ConfigException e) {
            if (report) {
                problem("configuration: " + e.getMessage());
            }
            return null;
        }
    }

    private static List<Path> expand(List<Path> drafts, Check check) {
        List<Path> files = new ArrayList<>();
        for (Path draft : drafts) {
            if (Files.isDirectory(draft)) {
                try (Stream<Path> in = Files.list(draft)) {
                    in.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted()
                            .forEach(files::add);
                } catch (IOException e) {
                    check.problem(draft + ": cannot be read: " + e.getMessage());
                }
            } else {
                files.add(draft);
            }
        }
        return files;
    }

    /** A draft through the real compose stage, as if dropped into its own folder. */
    private void draft(Path file, Composer composer) {
        if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            problem(file + ": no such file");
            return;
        }
        if (composer == null) {
            problem(file + ": not checked: the configuration above must be fixed first");
            return;
        }
        if (dev.outboxmailer.merge.MergeDraft.isMerge(file.getFileName().toString())) { // SPEC §13: every row, as a run would
            dev.outboxmailer.merge.MergeCheck.problems(file, composer).forEach(p -> problem(file + ": " + p));
            return;
        }
        Path folder = file.toAbsolutePath().getParent();
        try (Draft draft = Draft.ofFile(file.getFileName().toString(), file, folder)) {
            composer.compose(draft);
        } catch (InvalidDraftException e) {
            problem(file + ": invalid-draft: " + e.getMessage());
        } catch (RuntimeException e) {
            problem(file + ": invalid-draft: " + RouteProblems.reason(e));
        }
    }
}
