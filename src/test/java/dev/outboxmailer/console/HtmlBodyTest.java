package dev.outboxmailer.console;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlBodyTest {

    @Test
    void cidImagesComeFromTheMessageItselfAsDataUrls() throws Exception {
        InternetHeaders h = new InternetHeaders();
        h.addHeader("Content-Type", "image/png");
        h.addHeader("Content-ID", "<Logo@Example>");
        MimeBodyPart logo = new MimeBodyPart(h, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        String html = HtmlBody.prepare("<p><img id=a src=\"cid:logo@example\"><img id=b src=\"cid:missing\"></p>", List.of(logo));
        assertThat(html).contains("id=\"a\" src=\"data:image/png;base64,iVBORw==\"").contains("id=\"b\" src=\"\"");
    }

    @Test
    void whatWouldNavigateOrLoadOutsideTheCspIsTakenOut() {
        String html = HtmlBody.prepare("<head><meta http-equiv=refresh content=\"0;url=http://far/\"><base href=\"http://far/\">"
                + "<link rel=prefetch href=\"http://far/p\"></head><body><script>x()</script>"
                + "<a id=j href=\" JavaScript:alert(1)\">j</a><a id=k href=\"https://example.org/\">k</a></body>", List.of());
        assertThat(html).doesNotContain("refresh").doesNotContain("<base").doesNotContain("prefetch").doesNotContain("<script")
                .contains("id=\"j\" href=\"#\"").contains("id=\"k\" href=\"https://example.org/\"");
    }

    @Test
    void theFramesPolicyBlocksScriptAlwaysAndRemoteLoadsUnlessAskedFor() {
        assertThat(HtmlBody.policy(false)).startsWith("sandbox;").contains("default-src 'none'").contains("script-src 'none'")
                .doesNotContain("http:");
        assertThat(HtmlBody.policy(true)).contains("script-src 'none'").contains("img-src data: http: https:")
                .doesNotContain("frame-src").doesNotContain("connect-src");
    }

    @Test
    void aDownloadsNameCannotBreakItsHeader() {
        assertThat(Console.disposition("报告 2026.pdf"))
                .isEqualTo("attachment; filename=\"__ 2026.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202026.pdf");
        assertThat(Console.disposition("a\"b;\r\nSet-Cookie: x=1.html")).doesNotContain("\r").doesNotContain("\n")
                .startsWith("attachment; filename=\"a_b___Set-Cookie: x=1.html\"");
        assertThat(Console.disposition("../../etc/passwd")).startsWith("attachment; filename=\"passwd\"");
        assertThat(Console.disposition("dir\\")).startsWith("attachment; filename=\"attachment\"");
    }
}
