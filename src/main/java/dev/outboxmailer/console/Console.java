package dev.outboxmailer.console;

import dev.outboxmailer.bounce.Suppression;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console (SPEC §14) on the management server's router: {@code /} (Outbox), {@code /sent}, {@code /sandbox},
 * {@code /sandbox/<n>} and its parts, {@code /api/counts} for the live counts, {@code /actions/*} (POST only).
 * Every handler runs off the event loop (the pages read files).
 */
public final class Console {
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);
    private static final int RAW_SHOWN = 256 * 1024;
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    static final String FILE_POLICY = "sandbox; default-src 'none'";

    private final OutboxView outbox;
    private final SandboxView sandbox;
    private final boolean sandboxRunning;
    private final ConsoleActions actions;
    private final ConsoleAccess access;
    private final Suppression suppression;

    Console(OutboxView outbox, SandboxView sandbox, boolean sandboxRunning, ConsoleActions actions, ConsoleAccess access,
            Suppression suppression) {
        this.outbox = outbox;
        this.sandbox = sandbox;
        this.sandboxRunning = sandboxRunning;
        this.actions = actions;
        this.access = access;
        this.suppression = suppression;
    }

    /** Adds the console's routes to the management server's router. */
    void mount(Router router) {
        page(router, "/", this::outboxPage);
        page(router, "/sent", this::sentPage);
        page(router, "/sandbox", this::sandboxPage);
        page(router, "/sandbox/:n", this::messagePage);
        page(router, "/sandbox/:n/html", this::htmlBody);
        page(router, "/sandbox/:n/part/:i", this::attachment);
        page(router, "/sandbox/:n/raw", this::raw);
        page(router, "/api/counts", this::counts);
        page(router, "/assets/console.css", ctx -> asset(ctx, "console.css", "text/css; charset=utf-8"));
        page(router, "/assets/console.js", ctx -> asset(ctx, "console.js", "text/javascript; charset=utf-8"));
        router.route(HttpMethod.POST, "/actions/*").handler(BodyHandler.create(false).setBodyLimit(16 * 1024));
        action(router, "/actions/send-again", ctx -> actions.sendAgain(ctx.request().getFormAttribute("name")));
        action(router, "/actions/release", ctx -> actions.release(ctx.request().getFormAttribute("address")));
    }

    private void page(Router router, String path, Handler<RoutingContext> handler) {
        router.route(HttpMethod.GET, path).blockingHandler(ctx -> {
            try {
                if (tokenInQuery(ctx)) {
                    return;
                }
                ConsoleAccess.Refusal refused = access.read(authority(ctx), bearer(ctx));
                if (refused != null) {
                    refuse(ctx, refused);
                    return;
                }
                handler.handle(ctx);
            } catch (RuntimeException e) {
                LOG.warn("The console could not answer {}: {}", path, e.toString());
                if (!ctx.response().ended()) {
                    ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain; charset=utf-8")
                            .end("the console could not answer: " + e.getMessage());
                }
            }
        }, false);
        router.route(path).handler(ctx -> {
            if (ctx.request().method() == HttpMethod.GET) {
                ctx.next();
                return;
            }
            ctx.response().setStatusCode(405).putHeader("Allow", "GET").end();
        });
    }

    private void action(Router router, String path, java.util.function.Function<RoutingContext, ConsoleActions.Result> act) {
        router.route(HttpMethod.POST, path).blockingHandler(ctx -> {
            ConsoleAccess.Refusal refused = access.act(ctx.request().remoteAddress().hostAddress(),
                    authority(ctx), ctx.request().getHeader("Origin"), ctx.request().getHeader("Referer"),
                    ctx.request().getHeader("Sec-Fetch-Site"), bearer(ctx), ctx.request().getFormAttribute("key"));
            if (refused != null) {
                LOG.warn("CONSOLE: refused {} from {}: {}", path, ctx.request().remoteAddress().hostAddress(), refused.reason());
                refuse(ctx, refused);
                return;
            }
            ConsoleActions.Result result = act.apply(ctx);
            html(ctx.response().setStatusCode(result.status()),
                    Pages.layout(result.ok() ? "Done" : "Not done", "", outbox.counts(), sandbox.count(), Pages.result(result)));
        }, false);
        router.route(path).handler(ctx -> {
            if (ctx.request().method() == HttpMethod.POST) {
                ctx.next();
                return;
            }
            ctx.response().setStatusCode(405).putHeader("Allow", "POST").end("actions are POST requests");
        });
    }

    /** {@code ?token=} once: the cookie is set and the address loses the token. */
    private boolean tokenInQuery(RoutingContext ctx) {
        String given = ctx.request().getParam("token");
        if (given == null) {
            return false;
        }
        if (!access.isToken(given)) {
            refuse(ctx, new ConsoleAccess.Refusal(401, "that is not console.token"));
            return true;
        }
        ctx.response().addCookie(Cookie.cookie(ConsoleAccess.COOKIE, given).setHttpOnly(true).setPath("/")
                .setSameSite(CookieSameSite.STRICT));
        ctx.response().setStatusCode(303).putHeader("Location", ctx.request().path()).end();
        return true;
    }

    /** The Host header (HTTP/1.1) or :authority (HTTP/2), as {@code host[:port]}; null when there is none. */
    private static String authority(RoutingContext ctx) {
        io.vertx.core.net.HostAndPort a = ctx.request().authority();
        if (a == null || a.host() == null) {
            return null;
        }
        String host = a.host().contains(":") && !a.host().startsWith("[") ? "[" + a.host() + "]" : a.host();
        return a.port() >= 0 ? host + ":" + a.port() : host;
    }

    private static String bearer(RoutingContext ctx) {
        String auth = ctx.request().getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        Cookie cookie = ctx.request().getCookie(ConsoleAccess.COOKIE);
        return cookie == null ? null : cookie.getValue();
    }

    private static void refuse(RoutingContext ctx, ConsoleAccess.Refusal refused) {
        html(ctx.response().setStatusCode(refused.status()), Pages.refusal(refused.reason()));
    }

    private static void html(HttpServerResponse response, String page) {
        secure(response, PAGE_POLICY).putHeader("Content-Type", "text/html; charset=utf-8").end(page);
    }

    private static HttpServerResponse secure(HttpServerResponse r, String policy) {
        return r.putHeader("Content-Security-Policy", policy).putHeader("X-Content-Type-Options", "nosniff")
                // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the console's own forms
                .putHeader("Referrer-Policy", policy.equals(PAGE_POLICY) ? "same-origin" : "no-referrer").putHeader("Cache-Control", "no-store")
                .putHeader("X-Frame-Options", policy.contains("frame-ancestors 'self'") ? "SAMEORIGIN" : "DENY");
    }

    private int from(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        try {
            return v == null ? 0 : Math.max(0, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void outboxPage(RoutingContext ctx) {
        String body = Pages.outbox(outbox, outbox.pending(from(ctx, "pending")), outbox.waiting(true, from(ctx, "held")),
                outbox.waiting(false, from(ctx, "waiting")), outbox.failed(from(ctx, "failed")),
                outbox.suppressed(suppression.file()), access.formKey());
        html(ctx.response(), Pages.layout("Outbox", "Outbox", outbox.counts(), sandbox.count(), body));
    }

    private void sentPage(RoutingContext ctx) {
        String q = ctx.request().getParam("q");
        q = q == null ? "" : q.strip();
        int from = from(ctx, "from");
        String body = Pages.sent(q, outbox.sent(q, from), from);
        html(ctx.response(), Pages.layout("Sent", "Sent", outbox.counts(), sandbox.count(), body));
    }

    private void sandboxPage(RoutingContext ctx) {
        String body = Pages.sandboxList(sandboxRunning, sandbox.list(from(ctx, "from")), sandbox.folder().toAbsolutePath()
                .toString());
        html(ctx.response(), Pages.layout("Sandbox", "Sandbox", outbox.counts(), sandbox.count(), body));
    }

    private Long number(RoutingContext ctx) {
        String n = ctx.pathParam("n");
        if (n == null || !n.matches("\\d{1,18}")) {
            notFound(ctx, "no such message");
            return null;
        }
        return Long.parseLong(n);
    }

    private void messagePage(RoutingContext ctx) {
        Long n = number(ctx);
        if (n == null) {
            return;
        }
        try {
            SandboxView.Message m = sandbox.open(n);
            if (m == null) {
                notFound(ctx, "there is no message " + n + " in the sandbox");
                return;
            }
            byte[] head;
            try (InputStream in = Files.newInputStream(sandbox.file(n))) {
                head = in.readNBytes(RAW_SHOWN);
            }
            String body = Pages.message(m, "1".equals(ctx.request().getParam("remote")),
                    new String(head, StandardCharsets.UTF_8), m.size() > RAW_SHOWN);
            html(ctx.response(), Pages.layout(m.subject().isEmpty() ? "(no subject)" : m.subject(), "Sandbox",
                    outbox.counts(), sandbox.count(), body));
        } catch (IOException | MessagingException e) {
            notFound(ctx, "message " + n + " cannot be read: " + e.getMessage());
        }
    }

    private void htmlBody(RoutingContext ctx) {
        Long n = number(ctx);
        if (n == null) {
            return;
        }
        try {
            SandboxView.Message m = sandbox.open(n);
            if (m == null || m.html() == null) {
                notFound(ctx, "message " + n + " has no html body");
                return;
            }
            List<Part> inline = sandbox.inlineParts(n);
            boolean remote = "1".equals(ctx.request().getParam("remote"));
            secure(ctx.response(), HtmlBody.policy(remote)).putHeader("Content-Type", "text/html; charset=utf-8")
                    .end(HtmlBody.prepare(m.html(), inline));
        } catch (IOException | MessagingException e) {
            notFound(ctx, "message " + n + " cannot be read: " + e.getMessage());
        }
    }

    private void attachment(RoutingContext ctx) {
        Long n = number(ctx);
        String i = ctx.pathParam("i");
        if (n == null) {
            return;
        }
        try {
            Part part = i != null && i.matches("\\d{1,6}") ? sandbox.part(n, Integer.parseInt(i)) : null;
            if (part == null) {
                notFound(ctx, "no such part");
                return;
            }
            String name = SandboxView.fileName(part);
            if (name == null || name.isBlank()) {
                name = "part-" + i;
            }
            byte[] bytes = SandboxView.bytes(part);
            secure(ctx.response(), FILE_POLICY).putHeader("Content-Type", "application/octet-stream")
                    .putHeader("Content-Disposition", disposition(name))
                    .end(Buffer.buffer(bytes));
        } catch (IOException | MessagingException e) {
            notFound(ctx, "that part cannot be read: " + e.getMessage());
        }
    }

    /** {@code attachment; filename="ascii"; filename*=UTF-8''…} (RFC 6266), the ASCII name without quotes or controls. */
    static String disposition(String name) {
        String last = name.replace('\\', '/');
        String base = last.substring(last.lastIndexOf('/') + 1).replace("\0", "");
        String ascii = base.replaceAll("[^\\x20-\\x7e]", "_").replace("\"", "_").replace(";", "_");
        return "attachment; filename=\"" + (ascii.isBlank() ? "attachment" : ascii) + "\"; filename*=UTF-8''" + Html.url(base);
    }

    private void raw(RoutingContext ctx) {
        Long n = number(ctx);
        if (n == null) {
            return;
        }
        Path file = sandbox.file(n);
        if (!Files.isRegularFile(file)) {
            notFound(ctx, "there is no message " + n + " in the sandbox");
            return;
        }
        secure(ctx.response(), FILE_POLICY).putHeader("Content-Type", "text/plain; charset=utf-8");
        ctx.response().sendFile(file.toString());
    }

    private void counts(RoutingContext ctx) {
        OutboxView.Counts c = outbox.counts();
        String json = "{\"pending\":" + c.pending() + ",\"waiting\":" + c.waiting() + ",\"held\":" + c.held()
                + ",\"failed\":" + c.failed() + ",\"sentToday\":" + c.sentToday() + ",\"sandbox\":" + sandbox.count()
                + ",\"paused\":" + (c.paused() != null) + "}";
        secure(ctx.response(), FILE_POLICY).putHeader("Content-Type", "application/json").end(json);
    }

    private void asset(RoutingContext ctx, String name, String type) {
        try (InputStream in = Console.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                notFound(ctx, "no such file");
                return;
            }
            ctx.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Content-Type", type)
                    .putHeader("Cache-Control", "no-cache").end(Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            notFound(ctx, "no such file");
        }
    }

    private static void notFound(RoutingContext ctx, String why) {
        html(ctx.response().setStatusCode(404), Pages.refusal(why));
    }
}
