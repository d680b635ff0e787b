package dev.outboxmailer.compose;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * The plain-text alternative of an html body, as a person would write it: the html is parsed by jsoup
 * and its DOM walked, so block elements become line breaks (paragraphs and headings a blank line),
 * list items become {@code "- "} (or {@code "1. "} in an ordered list) indented by nesting level, links
 * become {@code text <url>}, table rows become lines with {@code " | "} between cells, {@code <pre>}
 * keeps its lines, quotes get {@code "> "}, and images show their alt text. Scripts, styles and the
 * head are dropped. No regular expression ever looks at the html.
 */
final class HtmlToText {

    private static final Set<String> SKIPPED = Set.of("head", "title", "script", "style", "template", "noscript",
            "object", "iframe", "svg", "math", "button", "select", "textarea", "input");
    /** Blocks separated from their neighbours by a blank line. */
    private static final Set<String> PARAGRAPHS = Set.of("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
            "blockquote", "table", "ul", "ol", "dl", "figure", "hr", "address", "fieldset", "form", "details");
    /** Blocks that start and end a line. */
    private static final Set<String> LINES = Set.of("div", "section", "article", "header", "footer", "nav", "main",
            "aside", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "center", "body", "html",
            "thead", "tbody", "tfoot", "legend");

    private HtmlToText() {}

    /** The text of an html document or fragment; never null. */
    static String convert(String html) {
        if (html == null || html.isEmpty()) {
            return "";
        }
        Document document = Jsoup.parse(html);
        Walk walk = new Walk();
        // jsoup's traversal is iterative: however deep the html nests, no stack is exhausted
        NodeTraversor.filter(walk, document.body() != null ? document.body() : document);
        return walk.out.finish();
    }

    /** One enclosing list: ordered or not, and the next item number. */
    private static final class ListState {
        final boolean ordered;
        int next;

        ListState(boolean ordered, int start) {
            this.ordered = ordered;
            this.next = start;
        }
    }

    /** The DOM walk: {@code head} when an element opens, {@code tail} when it closes. */
    private static final class Walk implements NodeFilter {
        final Writer out = new Writer();
        private final Deque<ListState> lists = new ArrayDeque<>();
        /** Where the text of each open link began. */
        private final Deque<Integer> links = new ArrayDeque<>();

        @Override
        public FilterResult head(Node node, int depth) {
            if (node instanceof TextNode text) {
                out.text(text.getWholeText());
                return FilterResult.CONTINUE;
            }
            if (!(node instanceof Element element)) {
                return FilterResult.SKIP_ENTIRELY; // comments, doctype, data of scripts
            }
            String tag = element.normalName();
            if (SKIPPED.contains(tag)) {
                return FilterResult.SKIP_ENTIRELY;
            }
            switch (tag) {
                case "br" -> out.newLine();
                case "hr" -> {
                    out.block(2);
                    out.literal("----------");
                    out.block(2);
                }
                case "img" -> {
                    String alt = element.attr("alt").strip();
                    if (!alt.isEmpty()) {
                        out.text("[" + alt + "]");
                    }
                }
                case "a" -> links.push(out.length());
                case "pre" -> {
                    out.block(2);
                    out.pre++;
                }
                case "blockquote" -> {
                    out.block(2);
                    out.pushPrefix("> ");
                }
                case "ul", "ol" -> {
                    out.block(lists.isEmpty() ? 2 : 1);
                    lists.push(new ListState(tag.equals("ol"), start(element)));
                }
                case "li" -> {
                    out.block(1);
                    ListState list = lists.peek();
                    String marker = list != null && list.ordered ? (list.next++) + ". " : "- ";
                    out.marker(marker);
                    out.pushPrefix(" ".repeat(marker.length()));
                }
                case "td", "th" -> {
                    if (element.elementSiblingIndex() > 0) {
                        out.literal(" | ");
                    }
                }
                default -> out.block(breaksAround(tag));
            }
            return FilterResult.CONTINUE;
        }

        @Override
        public FilterResult tail(Node node, int depth) {
            if (!(node instanceof Element element)) {
                return FilterResult.CONTINUE;
            }
            String tag = element.normalName();
            switch (tag) {
                case "a" -> link(element, links.pop());
                case "pre" -> {
                    out.pre--;
                    out.block(2);
                }
                case "blockquote" -> {
                    out.popPrefix();
                    out.block(2);
                }
                case "ul", "ol" -> {
                    lists.pop();
                    out.block(lists.isEmpty() ? 2 : 1);
                }
                case "li" -> {
                    out.popPrefix();
                    out.block(1);
                }
                case "br", "hr", "img", "td", "th" -> { }
                default -> out.block(breaksAround(tag));
            }
            return FilterResult.CONTINUE;
        }

        /** {@code text <url>}; just the url where the text is the url; just the text for in-page and script links. */
        private void link(Element a, int textStart) {
            String href = a.attr("href").strip();
            String lower = href.toLowerCase(Locale.ROOT);
            String shown = out.since(textStart).strip();
            if (href.isEmpty() || href.startsWith("#") || lower.startsWith("javascript:") || lower.startsWith("cid:")) {
                return;
            }
            String target = lower.startsWith("mailto:") ? href.substring("mailto:".length()) : href;
            if (shown.isEmpty()) {
                out.text(target);
            } else if (!shown.equals(target) && !shown.equals(href)) {
                out.text(" <" + target + ">");
            }
        }

        private static int start(Element list) {
            try {
                return list.hasAttr("start") ? Integer.parseInt(list.attr("start").strip()) : 1;
            } catch (NumberFormatException e) {
                return 1;
            }
        }

        private static int breaksAround(String tag) {
            return PARAGRAPHS.contains(tag) ? 2 : LINES.contains(tag) ? 1 : 0;
        }
    }

    /**
     * Collects the text: whitespace collapsed outside {@code <pre>}, breaks asked for by blocks merged
     * (the larger wins) and written only before the next text, so no block adds blank lines of its own
     * at the start or end; every line starts with the prefixes of its enclosing quotes and list items.
     */
    private static final class Writer {
        private final StringBuilder out = new StringBuilder();
        private final Deque<String> prefixes = new ArrayDeque<>();
        private int pendingBreaks;
        private boolean atLineStart = true;
        private boolean spacePending;
        private boolean afterMarker;
        int pre;

        int length() {
            return out.length();
        }

        String since(int index) {
            return out.substring(Math.min(index, out.length()));
        }

        void pushPrefix(String prefix) {
            prefixes.addLast(prefix);
        }

        void popPrefix() {
            prefixes.removeLast();
        }

        /** Asks for {@code breaks} line ends (1: a new line, 2: a blank line) before the next text. */
        void block(int breaks) {
            if (afterMarker) {
                return; // a paragraph inside a list item starts on the marker's line
            }
            if (out.length() > 0) {
                pendingBreaks = Math.max(pendingBreaks, breaks);
            }
            if (breaks > 0) {
                spacePending = false;
            }
        }

        void newLine() {
            if (pendingBreaks > 0) {
                flushBreaks();
            }
            out.append('\n');
            atLineStart = true;
            spacePending = false;
        }

        /** Text written as it is (rules, cell separators), after any pending breaks. */
        void literal(String s) {
            flushBreaks();
            startLine();
            out.append(s);
            spacePending = false;
            afterMarker = false;
        }

        /** A list item's marker: what follows starts on its line. */
        void marker(String s) {
            literal(s);
            afterMarker = true;
        }

        void text(String s) {
            if (pre > 0) {
                String[] lines = s.split("\r\n|\r|\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    if (i > 0) {
                        out.append('\n');
                        atLineStart = true;
                    }
                    if (!lines[i].isEmpty()) {
                        flushBreaks();
                        startLine();
                        out.append(lines[i]);
                        afterMarker = false;
                    }
                }
                return;
            }
            StringBuilder word = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u200B') {
                    if (word.length() > 0) {
                        emitWord(word);
                    }
                    spacePending = true;
                } else {
                    word.append(c == '\u00A0' ? ' ' : c);
                }
            }
            if (word.length() > 0) {
                emitWord(word);
            }
        }

        private void emitWord(StringBuilder word) {
            boolean space = spacePending && !atLineStart && pendingBreaks == 0;
            flushBreaks();
            startLine();
            if (space && out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
                out.append(' ');
            }
            out.append(word);
            word.setLength(0);
            spacePending = false;
            afterMarker = false;
        }

        private void flushBreaks() {
            if (pendingBreaks == 0) {
                return;
            }
            if (!atLineStart) {
                out.append('\n');
            }
            for (int i = 1; i < pendingBreaks; i++) {
                appendPrefixes(true);
                out.append('\n');
            }
            pendingBreaks = 0;
            atLineStart = true;
        }

        private void startLine() {
            if (atLineStart) {
                appendPrefixes(false);
                atLineStart = false;
            }
        }

        private void appendPrefixes(boolean blankLine) {
            for (String prefix : prefixes) {
                out.append(blankLine ? prefix.stripTrailing() : prefix);
            }
        }

        String finish() {
            StringBuilder result = new StringBuilder();
            int blank = 0;
            for (String line : out.toString().split("\n", -1)) {
                String trimmed = line.stripTrailing();
                if (trimmed.isEmpty()) {
                    blank++;
                    continue;
                }
                if (result.length() > 0) {
                    result.append(blank > 0 ? "\n\n" : "\n");
                }
                blank = 0;
                result.append(trimmed);
            }
            return result.toString();
        }
    }
}
