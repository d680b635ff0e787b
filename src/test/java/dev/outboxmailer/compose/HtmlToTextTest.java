package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlToTextTest {

    @Test
    void paragraphsHeadingsAndLineBreaks() {
        assertThat(HtmlToText.convert("<h1>Hello</h1><p>first   line<br>second\n line</p><p>third</p>"))
                .isEqualTo("Hello\n\nfirst line\nsecond line\n\nthird");
    }

    @Test
    void linksShowTheirTarget() {
        assertThat(HtmlToText.convert("<p>See <a href=\"https://example.org/r?a=1&amp;b=2\">the report</a>.</p>"))
                .isEqualTo("See the report <https://example.org/r?a=1&b=2>.");
        assertThat(HtmlToText.convert("<a href=\"https://example.org\">https://example.org</a>")).isEqualTo("https://example.org");
        assertThat(HtmlToText.convert("<a href=\"mailto:bob@example.org\">bob@example.org</a>")).isEqualTo("bob@example.org");
        assertThat(HtmlToText.convert("<a href=\"mailto:bob@example.org\">Bob</a>")).isEqualTo("Bob <bob@example.org>");
        assertThat(HtmlToText.convert("<a href=\"#top\">top</a> <a href=\"javascript:x()\">run</a>")).isEqualTo("top run");
    }

    @Test
    void listsNestedAndNumbered() {
        assertThat(HtmlToText.convert("<p>Items:</p><ul><li>one</li><li>two<ul><li>two a</li></ul></li></ul>"
                + "<ol start=\"3\"><li>three</li><li><p>four</p><p>more</p></li></ol>"))
                .isEqualTo("Items:\n\n- one\n- two\n  - two a\n\n3. three\n4. four\n\n   more");
    }

    @Test
    void tablesQuotesPreformattedRulesAndImages() {
        assertThat(HtmlToText.convert("<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>"))
                .isEqualTo("A | B\n1 | 2");
        assertThat(HtmlToText.convert("<blockquote><p>quoted</p><p>again</p></blockquote><p>after</p>"))
                .isEqualTo("> quoted\n>\n> again\n\nafter");
        assertThat(HtmlToText.convert("<pre>  a   b\n    c</pre>")).isEqualTo("  a   b\n    c");
        assertThat(HtmlToText.convert("<p>x</p><hr><p>y</p>")).isEqualTo("x\n\n----------\n\ny");
        assertThat(HtmlToText.convert("<img src=\"cid:logo\" alt=\"Logo\"> <img src=\"x.png\">")).isEqualTo("[Logo]");
    }

    @Test
    void scriptsStylesAndTheHeadAreDropped() {
        assertThat(HtmlToText.convert("<html><head><title>T</title><style>p{color:red}</style></head>"
                + "<body><script>alert(1)</script><p>visible &amp; kept &lt;3</p><!-- comment --></body></html>"))
                .isEqualTo("visible & kept <3");
    }

    @Test
    void brokenAndHostileHtmlStillGivesText() {
        assertThat(HtmlToText.convert("<p>unclosed <b>bold <i>both</p>text")).isEqualTo("unclosed bold both\n\ntext");
        assertThat(HtmlToText.convert("")).isEmpty();
        assertThat(HtmlToText.convert("<div>".repeat(20_000) + "deep" + "</div>".repeat(20_000))).isEqualTo("deep");
    }
}
