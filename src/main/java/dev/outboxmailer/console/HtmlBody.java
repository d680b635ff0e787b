package dev.outboxmailer.console;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import java.io.IOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A message's html body made ready for the sandboxed frame: {@code cid:} references become {@code data:} URLs
 * of the message's own parts (so they show with every remote load blocked), and what would navigate or load
 * without script and outside the CSP's reach ({@code <meta http-equiv>}, {@code <base>}, {@code javascript:}
 * links) is taken out. Everything else stays as the sender wrote it; the frame's CSP and sandbox do the rest.
 */
final class HtmlBody {
    private static final long INLINE_MAX = 8L * 1024 * 1024;

    /** The CSP of the frame: no script at all, nothing remote unless {@code remote}; own parts as data: URLs. */
    static String policy(boolean remote) {
        String far = remote ? " http: https:" : "";
        return "sandbox; default-src 'none'; script-src 'none'; img-src data:" + far + "; style-src 'unsafe-inline'" + far
                + "; font-src data:" + far + "; media-src data:" + far + "; base-uri 'none'; form-action 'none'; "
                + "frame-ancestors 'self'";
    }

    private HtmlBody() {}

    static String prepare(String html, List<Part> inline) {
        Document doc = Jsoup.parse(html);
        doc.select("meta[http-equiv], base, script, link[rel~=(?i)(prefetch|preload|preconnect|dns-prefetch|prerender)]")
                .remove();
        Map<String, Part> byId = new HashMap<>();
        for (Part p : inline) {
            String id = SandboxView.contentId(p);
            if (id != null) {
                byId.put(id.toLowerCase(Locale.ROOT), p);
            }
        }
        Map<String, String> done = new HashMap<>();
        for (Element e : doc.select("[src^=cid:], [background^=cid:], [poster^=cid:]")) {
            for (String attr : List.of("src", "background", "poster")) {
                String v = e.attr(attr);
                if (v.regionMatches(true, 0, "cid:", 0, 4)) {
                    String id = java.net.URLDecoder.decode(v.substring(4), java.nio.charset.StandardCharsets.UTF_8)
                            .toLowerCase(Locale.ROOT);
                    e.attr(attr, done.computeIfAbsent(id, k -> dataUrl(byId.get(k))));
                }
            }
        }
        for (Element a : doc.select("[href]")) {
            if (a.attr("href").strip().toLowerCase(Locale.ROOT).matches("^(javascript|vbscript|data):.*")) {
                a.attr("href", "#");
            }
        }
        doc.outputSettings().prettyPrint(false);
        return doc.outerHtml();
    }

    private static String dataUrl(Part part) {
        if (part == null) {
            return "";
        }
        try {
            String type = SandboxView.baseType(part);
            if (!type.startsWith("image/") || type.contains("svg")) {
                return "";
            }
            byte[] bytes = SandboxView.bytes(part);
            if (bytes.length > INLINE_MAX) {
                return "";
            }
            return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
        } catch (IOException | MessagingException e) {
            return "";
        }
    }
}
