package dev.outboxmailer.console;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class HtmlTest {

    @Test
    void markupInANameIsShownAsText() {
        assertThat(Html.text("<img src=x onerror=\"alert(1)\">&'")).isEqualTo("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;");
        assertThat(Html.text("</title><script>")).doesNotContain("<").doesNotContain(">");
        assertThat(Html.text(null)).isEmpty();
        assertThat(Html.text(42)).isEqualTo("42");
    }

    @Test
    void textReadsAsWrittenExceptControlCharacters() {
        assertThat(Html.text("季度报告 — Q3 élève")).isEqualTo("季度报告 — Q3 élève");
        assertThat(Html.text("a\tb\r\nc")).isEqualTo("a\tb\r\nc");
        assertThat(Html.text("a\u0000b\u001bc\u202e")).isEqualTo("a\uFFFDb\uFFFDc\u202e");
    }

    @Test
    void urlValuesArePercentEncoded() {
        assertThat(Html.url("a b/c?d&e=\"<>")).isEqualTo("a%20b%2Fc%3Fd%26e%3D%22%3C%3E");
        assertThat(Html.url("报告.pdf")).isEqualTo("%E6%8A%A5%E5%91%8A.pdf");
    }

    @Property
    void nothingEscapedCanOpenATagOrLeaveAnAttribute(@ForAll String any) {
        String escaped = Html.text(any);
        assertThat(escaped).doesNotContain("<", ">", "\"", "'");
        assertThat(escaped.replaceAll("&(amp|lt|gt|quot|#39);", "")).doesNotContain("&");
    }
}
