package dev.outboxmailer.compose;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * Markdown bodies (SPEC §4.2, §4.3): CommonMark with GitHub tables, rendered to an html document a mail
 * client shows as intended. Links, code blocks and images work as in any renderer; an image written
 * {@code ![logo](cid:logo)} refers to the inline attachment with that content id.
 */
final class MarkdownRenderer {

    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().extensions(EXTENSIONS).build();

    /** A rendered body: the html document and the {@code cid:} references its images and links make. */
    record Rendered(String html, Set<String> contentIds) {}

    private MarkdownRenderer() {}

    static Rendered render(String markdown) throws InvalidDraftException {
        try {
            return renderUnchecked(markdown);
        } catch (StackOverflowError e) {
            throw new InvalidDraftException("the Markdown body is nested too deeply to render (thousands of levels of "
                    + "quotes or lists); no person writes that, so the draft is refused");
        }
    }

    private static Rendered renderUnchecked(String markdown) {
        Node document = PARSER.parse(markdown);
        Set<String> cids = new LinkedHashSet<>();
        document.accept(new AbstractVisitor() {
            @Override
            public void visit(Image image) {
                addCid(image.getDestination());
                visitChildren(image);
            }

            @Override
            public void visit(Link link) {
                addCid(link.getDestination());
                visitChildren(link);
            }

            private void addCid(String destination) {
                if (destination != null && destination.toLowerCase(Locale.ROOT).startsWith("cid:")) {
                    cids.add(destination.substring(4));
                }
            }
        });
        String body = RENDERER.render(document);
        String html = "<!DOCTYPE html>\n<html>\n<head><meta charset=\"UTF-8\"></head>\n<body>\n" + body + "</body>\n</html>\n";
        return new Rendered(html, cids);
    }
}
