package dev.outboxmailer.intake;

import dev.outboxmailer.compose.Draft;
import dev.outboxmailer.compose.DraftDefaults;
import dev.outboxmailer.compose.InvalidDraftException;
import dev.outboxmailer.config.ConfigException;
import dev.outboxmailer.outcome.DeliveryPause;
import dev.outboxmailer.outcome.DeliveryPausedException;
import dev.outboxmailer.outcome.OutcomeFolders;
import dev.outboxmailer.outcome.Outcomes;
import dev.outboxmailer.outcome.RetryPolicy;
import dev.outboxmailer.outcome.RetrySchedule;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.file.FileEndpoint;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folders watched by the route template {@code watched-folder} ({@code routes/folders.yaml}), each an
 * outbox of its own: its own instance lock, retry schedule, {@code .sent}/{@code .failed} folders and
 * attachment jail, and its own default recipients, subject and From ({@link DraftDefaults}). Sending
 * (the pool, the rate limit, the pause for operator problems) is shared with the main outbox.
 *
 * <p>In a templated route this one bean is the route policy (which opens the folder when the route is
 * created: lock, unfinished filings, schedule), the file filter and the intake step; the outcome stage
 * finds the folder's outcome folders and schedule through {@link #outcomesOf(Path)}.
 */
public final class WatchedFolders extends RoutePolicySupport implements GenericFileFilter<File> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedFolders.class);
    /** Exchange properties the template sets from its parameters {@code to}, {@code subject}, {@code from}. */
    public static final String TO = "outboxMailerFolderTo";
    public static final String SUBJECT = "outboxMailerFolderSubject";
    public static final String FROM = "outboxMailerFolderFrom";

    /** One watched folder. */
    record Watched(Path dir, OutboxFolder intake, Outcomes.Folder outcomes, OutboxLock lock) {}

    private final Map<Path, Watched> folders = new ConcurrentHashMap<>();
    private final Map<String, DraftDefaults> defaults = new ConcurrentHashMap<>();
    private final RetryPolicy retry;
    private final DeliveryPause pause;
    private final Clock clock;
    private final Path mainOutbox;
    private final Consumer<Path> onOpen;

    /**
     * @param mainOutbox {@code outbox.dir}, which the main route watches; a template may not watch it again
     * @param onOpen     told of every folder opened (the backlog gauge and the health check watch it too)
     */
    public WatchedFolders(RetryPolicy retry, DeliveryPause pause, Clock clock, Path mainOutbox, Consumer<Path> onOpen) {
        this.retry = retry;
        this.pause = pause;
        this.clock = clock;
        this.mainOutbox = mainOutbox.toAbsolutePath().normalize();
        this.onOpen = onOpen;
    }

    /** A templated route is created: open its folder before any draft is picked up. */
    @Override
    public void onInit(Route route) {
        if (route.getEndpoint() instanceof FileEndpoint file) {
            open(file.getFile().toPath());
        }
    }

    /** Opens the folder (once): creates it, takes its lock, finishes interrupted filings, reads its schedule. */
    public Watched open(Path folder) {
        Path dir = folder.toAbsolutePath().normalize();
        if (dir.equals(mainOutbox)) {
            throw new ConfigException("routes", "the folder " + dir + " is outbox.dir, which outbox-mailer watches "
                    + "already; give the template another folder");
        }
        return folders.computeIfAbsent(dir, d -> {
            try {
                Files.createDirectories(d);
                OutboxLock lock = OutboxLock.acquire(d);
                OutcomeFolders filed = new OutcomeFolders(d);
                filed.recover();
                RetrySchedule schedule = new RetrySchedule(retry, clock, d.resolve(".state").resolve("retries.json"));
                schedule.keepOnly(name -> Files.exists(d.resolve(name)));
                onOpen.accept(d);
                LOG.info("Watching {} as well", d);
                return new Watched(d, new OutboxFolder(d, schedule, pause), new Outcomes.Folder(filed, schedule), lock);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot watch " + d, e);
            }
        });
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        return open(file.getFile().getAbsoluteFile().getParentFile().toPath()).intake().accept(file);
    }

    /**
     * The picked-up file as a draft of its folder, with the folder's defaults (exchange properties
     * {@link #TO}, {@link #SUBJECT}, {@link #FROM}, set by the template from its parameters).
     */
    public Draft read(Exchange exchange) throws IOException, InvalidDraftException, DeliveryPausedException {
        Path file = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
        Draft draft = open(file.getParent()).intake().read(exchange);
        String to = exchange.getProperty(TO, "", String.class);
        String subject = exchange.getProperty(SUBJECT, "", String.class);
        String from = exchange.getProperty(FROM, "", String.class);
        String key = to + "\n" + subject + "\n" + from;
        DraftDefaults folderDefaults = defaults.get(key);
        if (folderDefaults == null) {
            folderDefaults = new DraftDefaults(from.isBlank() ? null : one(from), list(to), subject);
            defaults.put(key, folderDefaults);
        }
        return draft.withDefaults(folderDefaults);
    }

    /** The outcome folders and schedule of a draft file's folder, or null when it is not one of these. */
    public Outcomes.Folder outcomesOf(Path draftFile) {
        Watched w = folders.get(draftFile.toAbsolutePath().normalize().getParent());
        return w == null ? null : w.outcomes();
    }

    /** A template parameter that is not an address fails the draft, saying which parameter to fix. */
    private static List<InternetAddress> list(String text) throws InvalidDraftException {
        if (text.isBlank()) {
            return List.of();
        }
        try {
            InternetAddress[] parsed = InternetAddress.parse(text, true);
            for (InternetAddress a : parsed) {
                a.validate();
            }
            return List.of(parsed);
        } catch (AddressException e) {
            throw new InvalidDraftException("the folder's 'to' (route template parameter) '" + text
                    + "' is not a valid address list; fix it in routes/");
        }
    }

    private static InternetAddress one(String text) throws InvalidDraftException {
        List<InternetAddress> list = list(text);
        if (list.size() != 1) {
            throw new InvalidDraftException("the folder's 'from' (route template parameter) '" + text
                    + "' must be exactly one address; fix it in routes/");
        }
        return list.get(0);
    }
}
