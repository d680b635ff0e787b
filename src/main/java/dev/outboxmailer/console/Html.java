package dev.outboxmailer.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The console's one way of putting text from a draft, a mail or a file name into a page (SPEC §14: shown
 * verbatim, never markup): {@link #text} for element content and quoted attribute values, {@link #url} for a
 * path segment or a query value.
 */
public final class Html {
    private Html() {}

    /**
     * The text as it reads: {@code & < > " '} become entities, and control characters (which a page cannot
     * show, and which could hide what a name is) become U+FFFD, except tab and line breaks. Null is empty.
     */
    public static String text(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '\t', '\n', '\r' -> out.append(c);
                default -> out.append(Character.isISOControl(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    /** A value for a URL's path segment or query (percent-encoded UTF-8, a space as %20). */
    public static String url(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
