package dev.outboxmailer.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outboxmailer.outcome.OutcomeFolders;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.RetrySchedule;
import dev.outboxmailer.state.Waiting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Supplier;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What the Outbox page shows, read from the outbox's folders and its retry schedule — never changing them. Every
 * list is a page: only the entries shown are read, so 100,000 sent drafts cost a directory listing of the days
 * that page falls in, not 100,000 receipts.
 */
final class OutboxView {
    static final int PAGE = 50;
    /** Receipts one search request reads at most before it offers to go on. */
    static final int SEARCH_BUDGET = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code held}: while sending is paused, the drafts not tried yet and those due again (then pending is 0). */
    record Counts(int pending, int waiting, int held, int failed, int sentToday, String paused) {}

    record Pending(String name, long size, Instant modified) {}

    record Wait(String name, Instant notBefore, int attempts, String lastReason, List<String> deferred) {}

    record Failed(String name, String kind, String reason, String smtpCode, String attempts, String failedAt) {}

    record Problem(String address, String code, String reply) {}

    record Bounce(String recipient, String action, String status, String diagnostic) {}

    record Sent(String day, String name, String subject, String messageId, List<String> recipients,
                List<Problem> rejected, List<Problem> expired, List<String> suppressed, String sentAt,
                String attempts, List<Bounce> bounces) {}

    /** One page of a list; {@code next} is where the next page starts, or null when this is the last. */
    record Page<T>(List<T> items, String next, int scanned) {}

    record Suppressed(String address, String status, String draft, String since) {}

    private final Path outbox;
    private final Supplier<RetrySchedule> schedule;
    private final Supplier<String> standby;
    private final DeliveryPause pause;
    private final Clock clock;

    OutboxView(Path outbox, RetrySchedule schedule, DeliveryPause pause, Clock clock) {
        this(outbox, () -> schedule, () -> null, pause, clock);
    }

    /**
     * @param schedule the opened outbox's retry schedule; null while this instance is a standby (the leader
     *                 has it)
     * @param standby  why this instance does not send (it is a standby), or null
     */
    OutboxView(Path outbox, Supplier<RetrySchedule> schedule, Supplier<String> standby, DeliveryPause pause,
               Clock clock) {
        this.outbox = outbox;
        this.schedule = schedule;
        this.standby = standby;
        this.pause = pause;
        this.clock = clock;
    }

    /** Why this instance sends nothing (it is a standby), or null. */
    String standbyBecause() {
        return standby.get();
    }

    Path outbox() {
        return outbox;
    }

    String pausedBecause() {
        return pause.problem();
    }

    Instant pausedUntil() {
        return pause.pausedUntil();
    }

    private Counts lastCounts;
    private Instant lastCountsAt = Instant.MIN;

    /** The counts of the header, counted at most once a second however many pages poll them. */
    synchronized Counts counts() {
        Instant now = clock.instant();
        if (lastCounts == null || !now.isBefore(lastCountsAt.plusSeconds(1))) {
            lastCounts = count();
            lastCountsAt = now;
        }
        return lastCounts;
    }

    private Counts count() {
        List<Wait> all = waitingAll();
        boolean paused = pause.problem() != null;
        int due = paused ? (int) all.stream().filter(this::due).count() : 0;
        int pending = countDrafts(outbox);
        // while sending is paused, dropped drafts are held too (they wait, untouched, in the outbox)
        return new Counts(paused ? 0 : pending, all.size() - due, paused ? due + pending : 0,
                countNames(outbox.resolve(OutcomeFolders.FAILED), n -> n.endsWith(".error.json")),
                countNames(outbox.resolve(OutcomeFolders.SENT).resolve(LocalDate.now(clock).toString()),
                        n -> n.endsWith(".receipt.json")),
                pause.problem());
    }

    /** Dropped drafts not picked up yet (what intake would pick up), oldest first. */
    Page<Pending> pending(int from) {
        // only the oldest that this page (and one more, to know of a next page) needs are kept while the folder is
        // listed: a backlog of 100,000 drafts is listed, not held
        Comparator<Pending> oldestFirst = Comparator.comparing(Pending::modified).thenComparing(Pending::name);
        int keep = Math.max(from, 0) + PAGE + 1;
        PriorityQueue<Pending> oldest = new PriorityQueue<>(oldestFirst.reversed());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(outbox)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!isDraftName(name)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile()) {
                        oldest.add(new Pending(name, a.size(), a.lastModifiedTime().toInstant()));
                        if (oldest.size() > keep) {
                            oldest.poll(); // the newest of those kept
                        }
                    }
                } catch (IOException gone) {
                    // picked up while we looked
                }
            }
        } catch (IOException e) {
            return new Page<>(List.of(), null, 0);
        }
        List<Pending> all = new ArrayList<>(oldest);
        all.sort(oldestFirst);
        return slice(all, from);
    }

    /** Claimed drafts due again later (or held while sending is paused), soonest first. */
    Page<Wait> waiting(boolean held, int from) {
        List<Wait> chosen = new ArrayList<>();
        for (Wait w : waitingAll()) {
            if ((pause.problem() != null && due(w)) == held) {
                chosen.add(w);
            }
        }
        return slice(chosen, from);
    }

    private boolean due(Wait w) {
        return !clock.instant().isBefore(w.notBefore());
    }

    private List<Wait> waitingAll() {
        List<Wait> all = new ArrayList<>();
        RetrySchedule schedule = this.schedule.get();
        if (schedule == null) {
            return all;
        }
        for (String claim : schedule.claims()) {
            Waiting w = schedule.get(claim);
            if (w != null) {
                all.add(new Wait(w.name(), w.notBefore(), w.attempts(), w.lastReason(), w.deferred()));
            }
        }
        all.sort(Comparator.comparing(Wait::notBefore).thenComparing(Wait::name));
        return all;
    }

    /** Failed drafts with their error reports, newest first. */
    Page<Failed> failed(int from) {
        Path folder = outbox.resolve(OutcomeFolders.FAILED);
        List<Path> reports = byNewest(folder, n -> n.endsWith(".error.json"));
        List<Failed> page = new ArrayList<>();
        for (int i = from; i < reports.size() && page.size() < PAGE; i++) {
            Path report = reports.get(i);
            String file = report.getFileName().toString();
            String name = file.substring(0, file.length() - ".error.json".length());
            JsonNode r = read(report);
            page.add(new Failed(name, field(r, "kind"), field(r, "reason"), field(r, "smtpCode"), field(r, "attempts"),
                    field(r, "failedAt")));
        }
        return new Page<>(page, from + PAGE < reports.size() ? String.valueOf(from + PAGE) : null, page.size());
    }

    /**
     * Sent drafts, newest day first (newest receipt first within a day), starting at the {@code from}th; with a
     * query, only those whose recipients, Message-ID, subject or name contain it, reading at most
     * {@link #SEARCH_BUDGET} receipts from {@code from} on.
     */
    Page<Sent> sent(String query, int from) {
        String q = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        List<Sent> page = new ArrayList<>();
        int position = 0;
        int scanned = 0;
        for (String day : days()) {
            Path folder = outbox.resolve(OutcomeFolders.SENT).resolve(day);
            if (q.isEmpty()) {
                int count = countNames(folder, n -> n.endsWith(".receipt.json"));
                if (position + count <= from) {
                    position += count; // a whole day before this page: its receipts are not even looked at
                    continue;
                }
            }
            List<Path> receipts = byNewest(folder, n -> n.endsWith(".receipt.json"));
            for (Path receipt : receipts) {
                if (position++ < from) {
                    continue;
                }
                if (page.size() >= PAGE || (!q.isEmpty() && scanned >= SEARCH_BUDGET)) {
                    return new Page<>(page, String.valueOf(position - 1), scanned);
                }
                scanned++;
                Sent sent = sent(day, receipt);
                if (q.isEmpty() || matches(sent, q)) {
                    page.add(sent);
                }
            }
        }
        return new Page<>(page, null, scanned);
    }

    private static boolean matches(Sent s, String q) {
        if (s.name().toLowerCase(Locale.ROOT).contains(q) || s.subject().toLowerCase(Locale.ROOT).contains(q)
                || s.messageId().toLowerCase(Locale.ROOT).contains(q)) {
            return true;
        }
        List<String> addresses = new ArrayList<>(s.recipients());
        addresses.addAll(s.suppressed());
        s.rejected().forEach(p -> addresses.add(p.address()));
        s.expired().forEach(p -> addresses.add(p.address()));
        return addresses.stream().anyMatch(a -> a.toLowerCase(Locale.ROOT).contains(q));
    }

    private Sent sent(String day, Path receipt) {
        String file = receipt.getFileName().toString();
        String name = file.substring(0, file.length() - ".receipt.json".length());
        JsonNode r = read(receipt);
        List<Bounce> bounces = new ArrayList<>();
        Path bounceFile = receipt.resolveSibling(name + ".bounce.json");
        if (Files.isRegularFile(bounceFile)) {
            JsonNode b = read(bounceFile);
            for (JsonNode one : b.path("bounces")) {
                bounces.add(new Bounce(field(one, "recipient"), field(one, "action"), field(one, "status"),
                        field(one, "diagnostic")));
            }
        }
        return new Sent(day, name, DraftSubject.of(receipt.resolveSibling(name), name), field(r, "messageId"),
                strings(r.path("recipients")), problems(r.path("rejected")), problems(r.path("expired")),
                strings(r.path("suppressed")), field(r, "sentAt"), field(r, "attempts"), bounces);
    }

    /** The suppression list's lines ({@code address,status,draft,since}). */
    List<Suppressed> suppressed(Path file) {
        List<Suppressed> all = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return all;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                List<String> f = csv(line.strip());
                if (f.isEmpty() || f.get(0).startsWith("#") || f.get(0).equals("address") || !f.get(0).contains("@")) {
                    continue;
                }
                all.add(new Suppressed(f.get(0).toLowerCase(Locale.ROOT), f.size() > 1 ? f.get(1) : "",
                        f.size() > 2 ? f.get(2) : "", f.size() > 3 ? f.get(3) : ""));
            }
        } catch (IOException e) {
            // shown as empty; the bounce health check tells about the file
        }
        return all;
    }

    private static List<String> csv(String line) {
        List<String> fields = new ArrayList<>();
        if (line.isEmpty()) {
            return fields;
        }
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    f.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(f.toString().strip());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        fields.add(f.toString().strip());
        return fields;
    }

    /** The day folders of .sent/, newest first. */
    private List<String> days() {
        List<String> days = new ArrayList<>();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(outbox.resolve(OutcomeFolders.SENT))) {
            for (Path f : folders) {
                String n = f.getFileName().toString();
                if (n.matches("\\d{4}-\\d{2}-\\d{2}") && Files.isDirectory(f)) {
                    days.add(n);
                }
            }
        } catch (IOException e) {
            return days;
        }
        days.sort(Comparator.reverseOrder());
        return days;
    }

    static boolean isDraftName(String name) {
        return !name.startsWith(".") && !name.endsWith(".tmp") && !name.endsWith(".part");
    }

    private static int countDrafts(Path folder) {
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                if (isDraftName(file.getFileName().toString()) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    n++;
                }
            }
        } catch (IOException e) {
            return n;
        }
        return n;
    }

    private static int countNames(Path folder, Predicate<String> wanted) {
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!name.startsWith(".") && wanted.test(name)) {
                    n++;
                }
            }
        } catch (IOException e) {
            return n;
        }
        return n;
    }

    private static List<Path> byNewest(Path folder, Predicate<String> wanted) {
        record Dated(Path file, long modified) {}
        List<Dated> all = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!name.startsWith(".") && wanted.test(name)) {
                    try {
                        all.add(new Dated(file, Files.getLastModifiedTime(file).toMillis()));
                    } catch (IOException gone) {
                        // moved while we looked
                    }
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        all.sort(Comparator.comparingLong(Dated::modified).reversed().thenComparing(d -> d.file().getFileName().toString()));
        return all.stream().map(Dated::file).toList();
    }

    private static <T> Page<T> slice(List<T> all, int from) {
        int start = Math.min(Math.max(from, 0), all.size());
        int end = Math.min(start + PAGE, all.size());
        return new Page<>(List.copyOf(all.subList(start, end)), end < all.size() ? String.valueOf(end) : null, end - start);
    }

    private static JsonNode read(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            return node == null ? JSON.createObjectNode() : node;
        } catch (IOException | RuntimeException e) {
            return JSON.createObjectNode();
        }
    }

    private static String field(JsonNode node, String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> all = new ArrayList<>();
        for (JsonNode n : array) {
            all.add(n.asText());
        }
        return all;
    }

    private static List<Problem> problems(JsonNode array) {
        List<Problem> all = new ArrayList<>();
        for (JsonNode n : array) {
            all.add(new Problem(field(n, "address"), field(n, "code"), field(n, "reply")));
        }
        return all;
    }
}
