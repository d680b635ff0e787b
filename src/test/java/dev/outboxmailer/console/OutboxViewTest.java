package dev.outboxmailer.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.outboxmailer.config.RetryPolicy;
import dev.outboxmailer.state.DeliveryPause;
import dev.outboxmailer.state.RetrySchedule;
import dev.outboxmailer.state.StateTrouble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxViewTest {
    @TempDir
    Path outbox;

    private OutboxView view() throws Exception {
        Clock clock = Clock.systemUTC();
        RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(5), 2, Duration.ofMinutes(10), Duration.ofDays(2));
        return new OutboxView(outbox, new RetrySchedule(policy, clock, outbox, new StateTrouble()),
                new DeliveryPause(clock, Duration.ofSeconds(30)), clock);
    }

    private void sent(String day, String name, String to, String subject, long minute) throws Exception {
        Path folder = Files.createDirectories(outbox.resolve(".sent").resolve(day));
        Files.writeString(folder.resolve(name), "To: " + to + "\r\nSubject: " + subject + "\r\n\r\nhi\r\n");
        Path receipt = folder.resolve(name + ".receipt.json");
        Files.writeString(receipt, "{\"draft\":\"" + name + "\",\"messageId\":\"<" + name + "@example.com>\",\"recipients\":[\""
                + to + "\"],\"rejected\":[{\"address\":\"no@example.org\",\"code\":550,\"reply\":\"no such user\"}],"
                + "\"expired\":[],\"sentAt\":\"" + day + "T10:00:00Z\",\"attempts\":1}");
        Files.setLastModifiedTime(receipt, FileTime.from(Instant.parse(day + "T10:00:00Z").plusSeconds(minute * 60)));
    }

    @Test
    void pendingDraftsPageOldestFirst() throws Exception {
        Instant start = Instant.parse("2026-03-01T10:00:00Z");
        for (int i = 0; i < 120; i++) { // dropped in an order their names do not tell
            Path draft = Files.writeString(outbox.resolve("d-" + ((i * 37) % 120) + ".json"), "{}");
            Files.setLastModifiedTime(draft, FileTime.from(start.plusSeconds(i)));
        }
        Files.writeString(outbox.resolve("half.json.tmp"), "{"); // still being written: not a draft
        OutboxView view = view();
        OutboxView.Page<OutboxView.Pending> first = view.pending(0);
        assertThat(first.items()).hasSize(50);
        assertThat(first.items().get(0).name()).isEqualTo("d-0.json");
        assertThat(first.items().get(1).name()).isEqualTo("d-37.json");
        assertThat(first.items().get(49).modified()).isEqualTo(start.plusSeconds(49));
        assertThat(first.next()).isEqualTo("50");
        OutboxView.Page<OutboxView.Pending> second = view.pending(50);
        assertThat(second.items()).extracting(OutboxView.Pending::modified).first().isEqualTo(start.plusSeconds(50));
        assertThat(second.next()).isEqualTo("100");
        OutboxView.Page<OutboxView.Pending> last = view.pending(100);
        assertThat(last.items()).hasSize(20);
        assertThat(last.items().get(19).modified()).isEqualTo(start.plusSeconds(119));
        assertThat(last.next()).isNull();
    }

    @Test
    void sentDraftsPageNewestDayAndReceiptFirstAcrossDays() throws Exception {
        for (int i = 0; i < 60; i++) {
            sent("2026-03-02", "new-" + i + ".eml", "bob" + i + "@example.org", "Newer " + i, i);
        }
        for (int i = 0; i < 30; i++) {
            sent("2026-03-01", "old-" + i + ".eml", "ann" + i + "@example.org", "Older " + i, i);
        }
        OutboxView view = view();
        OutboxView.Page<OutboxView.Sent> first = view.sent("", 0);
        assertThat(first.items()).hasSize(50);
        assertThat(first.items().get(0).name()).isEqualTo("new-59.eml");
        assertThat(first.items().get(0).subject()).isEqualTo("Newer 59");
        assertThat(first.items().get(0).rejected()).extracting(OutboxView.Problem::address).containsExactly("no@example.org");
        assertThat(first.next()).isEqualTo("50");

        OutboxView.Page<OutboxView.Sent> second = view.sent("", 50);
        assertThat(second.items()).hasSize(40);
        assertThat(second.items().get(9).name()).isEqualTo("new-0.eml");
        assertThat(second.items().get(10).name()).isEqualTo("old-29.eml");
        assertThat(second.next()).isNull();
    }

    @Test
    void aPageReadsOnlyTheReceiptsItShows() throws Exception {
        for (int i = 0; i < 50; i++) {
            sent("2026-03-02", "new-" + i + ".eml", "bob@example.org", "Newer", i);
        }
        // an older day whose receipts would block whoever opens them: a page that reads them never returns
        Path older = Files.createDirectories(outbox.resolve(".sent").resolve("2026-03-01"));
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder("mkfifo", older.resolve("blocked-" + i + ".eml.receipt.json").toString()).start();
            assertThat(p.waitFor()).isZero();
        }
        OutboxView view = view();
        OutboxView.Page<OutboxView.Sent> page = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> view.sent("", 0));
        assertThat(page.items()).hasSize(50);
        assertThat(page.next()).isEqualTo("50");
    }

    @Test
    void searchFindsByRecipientSubjectOrMessageIdAndStopsAtItsBudget() throws Exception {
        sent("2026-03-02", "report.eml", "zoe@example.org", "=?UTF-8?B?5a2j5bqm5oql5ZGK?=", 1);
        for (int i = 0; i < OutboxView.SEARCH_BUDGET + 10; i++) {
            sent("2026-03-01", "bulk-" + i + ".eml", "bob@example.org", "Bulk", 0);
        }
        sent("2026-02-28", "ancient.eml", "zoe@example.org", "Ancient", 0);
        OutboxView view = view();
        assertThat(view.sent("ZOE@example", 0).items()).extracting(OutboxView.Sent::name).containsExactly("report.eml");
        assertThat(view.sent("季度", 0).items()).extracting(OutboxView.Sent::name).containsExactly("report.eml");
        assertThat(view.sent("<report.eml@example", 0).items()).extracting(OutboxView.Sent::name).containsExactly("report.eml");

        OutboxView.Page<OutboxView.Sent> bounded = view.sent("zoe@", 0);
        assertThat(bounded.scanned()).isEqualTo(OutboxView.SEARCH_BUDGET);
        assertThat(bounded.next()).isNotNull();
        OutboxView.Page<OutboxView.Sent> further = view.sent("zoe@", Integer.parseInt(bounded.next()));
        assertThat(further.items()).extracting(OutboxView.Sent::name).containsExactly("ancient.eml");
        assertThat(further.next()).isNull();
    }

    @Test
    void failedDraftsShowKindAndReasonNewestFirst() throws Exception {
        Path failed = Files.createDirectories(outbox.resolve(".failed"));
        Files.writeString(failed.resolve("a.eml"), "x");
        Files.writeString(failed.resolve("a.eml.error.json"),
                "{\"draft\":\"a.eml\",\"kind\":\"rejected\",\"reason\":\"the server refused it\",\"smtpCode\":550,\"attempts\":1}");
        Files.writeString(failed.resolve("broken.eml.error.json"), "{not json");
        Files.setLastModifiedTime(failed.resolve("broken.eml.error.json"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        List<OutboxView.Failed> all = view().failed(0).items();
        assertThat(all).extracting(OutboxView.Failed::name).containsExactly("a.eml", "broken.eml");
        assertThat(all.get(0).kind()).isEqualTo("rejected");
        assertThat(all.get(0).smtpCode()).isEqualTo("550");
        assertThat(all.get(1).reason()).isEmpty();
        assertThat(view().counts().failed()).isEqualTo(2);
    }
}
