package dev.outboxmailer.console;

import static dev.outboxmailer.console.Html.text;
import static dev.outboxmailer.console.Html.url;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/** The console's pages: plain server-rendered html; every value from a file goes through {@link Html#text}. */
final class Pages {
    private Pages() {}

    static String layout(String title, String active, OutboxView.Counts c, int sandbox, String body) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(text(title)).append(" · outbox-mailer</title>")
                .append("<link rel=\"stylesheet\" href=\"/assets/console.css\">")
                .append("<script src=\"/assets/console.js\" defer></script></head><body>")
                .append("<header><span class=\"brand\">outbox-mailer</span><nav>")
                .append(tab("/", "Outbox", active)).append(tab("/sent", "Sent", active))
                .append(tab("/sandbox", "Sandbox", active)).append("</nav>")
                .append("<span id=\"live\" data-src=\"/api/counts\" title=\"updated every 2 seconds\">")
                .append(count("pending", c.pending())).append(count("waiting", c.waiting()))
                .append(count("held", c.held())).append(count("failed", c.failed()))
                .append(count("sentToday", c.sentToday(), "sent today")).append(count("sandbox", sandbox, "in sandbox"))
                .append("</span></header><main>").append(body).append("</main></body></html>\n");
        return b.toString();
    }

    private static String tab(String href, String label, String active) {
        return "<a href=\"" + href + "\"" + (label.equals(active) ? " class=\"active\"" : "") + ">" + label + "</a>";
    }

    private static String count(String key, int n) {
        return count(key, n, key);
    }

    private static String count(String key, int n, String label) {
        return "<span class=\"count\">" + label + " <b data-count=\"" + key + "\">" + n + "</b></span>";
    }

    static String outbox(OutboxView view, OutboxView.Page<OutboxView.Pending> pending,
                         OutboxView.Page<OutboxView.Wait> held, OutboxView.Page<OutboxView.Wait> waiting,
                         OutboxView.Page<OutboxView.Failed> failed, List<OutboxView.Suppressed> suppressed,
                         String formKey) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Outbox <small>").append(text(view.outbox().toAbsolutePath())).append("</small></h1>");
        if (view.standbyBecause() != null) {
            b.append("<p class=\"banner\" id=\"standby\">").append(text(view.standbyBecause())).append("</p>");
        }
        if (view.pausedBecause() != null) {
            b.append("<p class=\"banner\" id=\"paused\">Sending is paused until ").append(text(view.pausedUntil()))
                    .append(": ").append(text(view.pausedBecause())).append("</p>");
        }
        if (view.pausedBecause() == null) {
            b.append("<section id=\"pending\"><h2>Pending</h2>");
            table(b, pending, List.of("Draft", "Size", "Dropped"), p -> cells(p.name(), bytes(p.size()), p.modified()),
                    "pending");
            b.append("</section>");
        } else {
            // while sending is paused, what was dropped is held: it waits, untouched, where the operator sees it
            b.append("<section id=\"held\"><h2>Held</h2><p>These drafts wait, untouched, until this is fixed: ")
                    .append(text(view.pausedBecause())).append("</p><h3>Not tried yet</h3>");
            table(b, pending, List.of("Draft", "Size", "Dropped"), p -> cells(p.name(), bytes(p.size()), p.modified()),
                    "pending");
            b.append("<h3>Due again</h3>");
            table(b, held, List.of("Draft", "Attempts", "Last reason"), w -> cells(w.name(), w.attempts(),
                    w.lastReason()), "held");
            b.append("</section>");
        }
        b.append("<section id=\"waiting\"><h2>Waiting</h2>");
        table(b, waiting, List.of("Draft", "Next attempt", "Attempts", "Last reason", "Still owed"),
                w -> cells(w.name(), w.notBefore(), w.attempts(), w.lastReason(),
                        w.deferred().isEmpty() ? "all recipients" : String.join(", ", w.deferred())), "waiting");
        b.append("</section>");
        b.append("<section id=\"failed\"><h2>Failed</h2><p class=\"hint\">Fix a draft in .failed/ first if it failed for "
                + "its content; <em>Send again</em> moves it, as it is now, back into the outbox.</p>");
        table(b, failed, List.of("Draft", "Kind", "Reason", "SMTP", "Attempts", "Failed at", ""),
                f -> cells(f.name(), f.kind(), f.reason(), f.smtpCode(), f.attempts(), when(f.failedAt()))
                        + "<td>" + form("/actions/send-again", "name", f.name(), "Send again", formKey) + "</td>",
                "failed");
        b.append("</section>");
        if (!suppressed.isEmpty()) {
            b.append("<section id=\"suppressed\"><h2>Suppressed addresses</h2>");
            b.append("<table><thead><tr><th>Address</th><th>Status</th><th>Bounced draft</th><th>Since</th><th></th></tr>"
                    + "</thead><tbody>");
            for (OutboxView.Suppressed s : suppressed) {
                b.append("<tr>").append(cells(s.address(), s.status(), s.draft(), when(s.since()))).append("<td>")
                        .append(form("/actions/release", "address", s.address(), "Release", formKey)).append("</td></tr>");
            }
            b.append("</tbody></table></section>");
        }
        return b.toString();
    }

    static String sent(String query, OutboxView.Page<OutboxView.Sent> page, int from) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Sent</h1><form method=\"get\" action=\"/sent\" class=\"search\">")
                .append("<input type=\"search\" name=\"q\" value=\"").append(text(query))
                .append("\" placeholder=\"recipient, subject or Message-ID\" aria-label=\"search\"> <button>Search</button>")
                .append("</form>");
        if (!query.isBlank()) {
            b.append("<p class=\"hint\">").append(page.items().size()).append(" found among ").append(page.scanned())
                    .append(" receipts read from the newest on").append(from > 0 ? " (after the first " + from + ")" : "")
                    .append(".</p>");
        }
        b.append("<table id=\"sent-list\"><thead><tr><th>Sent at</th><th>Draft</th><th>Subject</th><th>Message-ID</th>"
                + "<th>Recipients</th><th>Not delivered</th><th>Bounces</th></tr></thead><tbody>");
        for (OutboxView.Sent s : page.items()) {
            StringBuilder problems = new StringBuilder();
            s.rejected().forEach(p -> problems.append("<div class=\"bad\">rejected ").append(text(p.address())).append(": ")
                    .append(text(reply(p))).append("</div>"));
            s.expired().forEach(p -> problems.append("<div class=\"bad\">deferred until given up ").append(text(p.address()))
                    .append(": ").append(text(reply(p))).append("</div>"));
            s.suppressed().forEach(a -> problems.append("<div>suppressed ").append(text(a)).append("</div>"));
            StringBuilder bounces = new StringBuilder();
            s.bounces().forEach(x -> bounces.append("<div class=\"bad\">").append(text(x.recipient())).append(' ')
                    .append(text(x.action())).append(' ').append(text(x.status())).append(": ").append(text(x.diagnostic()))
                    .append("</div>"));
            b.append("<tr><td>").append(text(when(s.sentAt()))).append("</td><td>").append(text(s.name()))
                    .append("<div class=\"hint\">").append(text(s.day())).append(" · ").append(text(s.attempts()))
                    .append(" attempt(s)</div></td><td>").append(text(s.subject())).append("</td><td class=\"mono\">")
                    .append(text(s.messageId())).append("</td><td>").append(text(String.join(", ", s.recipients())))
                    .append("</td><td>").append(problems).append("</td><td>").append(bounces).append("</td></tr>");
        }
        if (page.items().isEmpty()) {
            b.append("<tr><td colspan=\"7\" class=\"empty\">nothing").append(query.isBlank() ? " sent yet" : " found")
                    .append("</td></tr>");
        }
        b.append("</tbody></table>");
        if (page.next() != null) {
            b.append("<p><a class=\"more\" href=\"/sent?q=").append(url(query)).append("&amp;from=").append(url(page.next()))
                    .append("\">").append(query.isBlank() ? "Older" : "Search further").append(" →</a></p>");
        }
        return b.toString();
    }

    static String sandboxList(boolean running, OutboxView.Page<SandboxView.Summary> page, String folder) {
        StringBuilder b = new StringBuilder("<h1>Sandbox <small>").append(text(folder)).append("</small></h1>");
        if (!running) {
            b.append("<p class=\"hint\">The sandbox is not running: smtp.host is set, so mail is delivered for real. "
                    + "Messages captured by earlier runs are listed below.</p>");
        }
        b.append("<table id=\"messages\"><thead><tr><th>#</th><th>Date</th><th>From</th><th>To</th><th>Subject</th>"
                + "<th>Size</th></tr></thead><tbody>");
        for (SandboxView.Summary s : page.items()) {
            String href = "/sandbox/" + s.number();
            b.append("<tr><td><a href=\"").append(href).append("\">").append(s.number()).append("</a></td><td>")
                    .append(text(s.date())).append("</td><td>").append(text(s.from())).append("</td><td>").append(text(s.to()))
                    .append("</td><td><a class=\"subject\" href=\"").append(href).append("\">")
                    .append(s.subject().isEmpty() ? "(no subject)" : text(s.subject())).append("</a></td><td>")
                    .append(bytes(s.size())).append("</td></tr>");
        }
        if (page.items().isEmpty()) {
            b.append("<tr><td colspan=\"6\" class=\"empty\">no message captured yet: drop a draft into the outbox</td></tr>");
        }
        b.append("</tbody></table>");
        if (page.next() != null) {
            b.append("<p><a class=\"more\" href=\"/sandbox?from=").append(url(page.next())).append("\">Older →</a></p>");
        }
        return b.toString();
    }

    static String message(SandboxView.Message m, boolean remote, String raw, boolean rawCut) {
        String base = "/sandbox/" + m.number();
        StringBuilder b = new StringBuilder("<p><a href=\"/sandbox\">← all messages</a></p>");
        b.append("<h1 id=\"subject\">").append(m.subject().isEmpty() ? "(no subject)" : text(m.subject())).append("</h1>");
        b.append("<dl class=\"envelope\"><dt>From</dt><dd id=\"from\">").append(text(m.from()))
                .append("</dd><dt>To</dt><dd id=\"to\">").append(text(m.to())).append("</dd>");
        if (!m.cc().isEmpty()) {
            b.append("<dt>Cc</dt><dd>").append(text(m.cc())).append("</dd>");
        }
        b.append("<dt>Date</dt><dd>").append(text(m.date())).append("</dd></dl>");
        b.append("<nav class=\"parts\"><a href=\"#html\">HTML</a> <a href=\"#text\">Text</a> <a href=\"#attachments\">"
                + "Attachments (").append(m.parts().stream().filter(SandboxView.Leaf::attachment).count())
                .append(")</a> <a href=\"#headers\">Headers</a> <a href=\"#raw\">Raw source</a></nav>");
        b.append("<section id=\"html\"><h2>HTML</h2>");
        if (m.html() == null) {
            b.append("<p class=\"empty\">this message has no html body</p>");
        } else {
            if (remote) {
                b.append("<p class=\"hint\">Remote content is loaded for this message. <a href=\"").append(base)
                        .append("\">Block it again</a></p>");
            } else {
                b.append("<p class=\"hint\">Remote content (images, styles, fonts) is blocked. <a id=\"load-remote\" href=\"")
                        .append(base).append("?remote=1#html\">Load remote content</a></p>");
            }
            b.append("<iframe id=\"html-body\" title=\"html body\" sandbox=\"\" referrerpolicy=\"no-referrer\" src=\"")
                    .append(base).append("/html").append(remote ? "?remote=1" : "").append("\"></iframe>");
        }
        b.append("</section><section id=\"text\"><h2>Text</h2>");
        b.append(m.text() == null ? "<p class=\"empty\">this message has no text body</p>"
                : "<pre id=\"text-body\">" + text(m.text()) + "</pre>");
        b.append("</section><section id=\"attachments\"><h2>Attachments</h2><ul>");
        boolean any = false;
        for (SandboxView.Leaf p : m.parts()) {
            if (!p.attachment()) {
                continue;
            }
            any = true;
            String name = p.fileName() == null ? "part-" + p.index() : p.fileName();
            b.append("<li><a class=\"attachment\" href=\"").append(base).append("/part/").append(p.index()).append("\">")
                    .append(text(name)).append("</a> <span class=\"hint\">").append(text(p.contentType())).append(", ")
                    .append(bytes(p.size())).append("</span></li>");
        }
        if (!any) {
            b.append("<li class=\"empty\">none</li>");
        }
        b.append("</ul></section><section id=\"headers\"><h2>Headers</h2><table class=\"headers\"><tbody>");
        for (String[] h : m.headers()) {
            b.append("<tr><th>").append(text(h[0])).append("</th><td>").append(text(h[1])).append("</td></tr>");
        }
        b.append("</tbody></table></section><section id=\"raw\"><h2>Raw source <a href=\"").append(base)
                .append("/raw\" class=\"hint\">open as text</a></h2><pre class=\"raw\">").append(text(raw))
                .append(rawCut ? "\n…" : "").append("</pre></section>");
        return b.toString();
    }

    static String result(ConsoleActions.Result r) {
        return "<h1>" + (r.ok() ? "Done" : "Not done") + "</h1><p id=\"result\" class=\"" + (r.ok() ? "ok" : "bad") + "\">"
                + text(r.message()) + "</p><p><a href=\"/\">Back to the outbox</a></p>";
    }

    static String refusal(String reason) {
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Refused</title></head><body>"
                + "<h1>Refused</h1><p>" + text(reason) + "</p></body></html>\n";
    }

    private static String form(String action, String field, String value, String label, String formKey) {
        return "<form method=\"post\" action=\"" + action + "\"><input type=\"hidden\" name=\"" + field + "\" value=\""
                + text(value) + "\"><input type=\"hidden\" name=\"key\" value=\"" + text(formKey) + "\"><button>"
                + label + "</button></form>";
    }

    private static <T> void table(StringBuilder b, OutboxView.Page<T> page, List<String> heads, Function<T, String> row,
                                  String param) {
        b.append("<table><thead><tr>");
        heads.forEach(h -> b.append("<th>").append(h).append("</th>"));
        b.append("</tr></thead><tbody>");
        for (T item : page.items()) {
            b.append("<tr>").append(row.apply(item)).append("</tr>");
        }
        if (page.items().isEmpty()) {
            b.append("<tr><td colspan=\"").append(heads.size()).append("\" class=\"empty\">none</td></tr>");
        }
        b.append("</tbody></table>");
        if (page.next() != null) {
            b.append("<p><a class=\"more\" href=\"/?").append(param).append('=').append(url(page.next())).append('#')
                    .append(param).append("\">more →</a></p>");
        }
    }

    private static String cells(Object... values) {
        StringBuilder b = new StringBuilder();
        for (Object v : values) {
            b.append("<td>").append(text(v instanceof Instant i ? when(i.toString()) : v)).append("</td>");
        }
        return b.toString();
    }

    /** An ISO time as a person reads it: {@code 2026-12-02 09:24:18Z}, without the fraction of a second. */
    static String when(String iso) {
        return iso == null ? "" : iso.replaceFirst("^(\\d{4}-\\d{2}-\\d{2})T(\\d{2}:\\d{2}:\\d{2})(\\.\\d+)?", "$1 $2");
    }

    private static String reply(OutboxView.Problem p) {
        return p.reply().startsWith(p.code()) ? p.reply() : (p.code() + " " + p.reply()).strip();
    }

    static String bytes(long n) {
        if (n < 0) {
            return "?";
        }
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format("%.1f KB", n / 1024.0);
        }
        return String.format("%.1f MB", n / (1024.0 * 1024));
    }
}
