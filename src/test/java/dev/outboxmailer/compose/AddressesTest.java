package dev.outboxmailer.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.internet.InternetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Addresses the way people write them (SPEC §4.5): names with commas, quotes and non-ASCII, lists in one string, IDN. */
class AddressesTest {

    private static List<InternetAddress> parse(String... values) throws Exception {
        return Addresses.parse("\"to\"", List.of(values));
    }

    @Test
    void displayNamesWithCommasQuotesAndNonAscii() throws Exception {
        List<InternetAddress> got = parse("\"Doe, Jane\" <jane@example.org>, \"Bob \\\"the builder\\\" O'Neil\" <bob@example.org>,"
                + " Zoë Ångström <zoe@example.org>, 山田 太郎 <taro@example.jp>, plain@example.org");
        assertThat(got).extracting(InternetAddress::getAddress)
                .containsExactly("jane@example.org", "bob@example.org", "zoe@example.org", "taro@example.jp", "plain@example.org");
        assertThat(got).extracting(InternetAddress::getPersonal)
                .containsExactly("Doe, Jane", "Bob \"the builder\" O'Neil", "Zoë Ångström", "山田 太郎", null);
        // on the wire the names are 7-bit: encoded-words or quoted strings
        for (InternetAddress a : got) {
            assertThat(a.toString()).matches("\\p{ASCII}*");
        }
    }

    @Test
    void internationalisedDomainsGoOutInTheirAsciiForm() throws Exception {
        List<InternetAddress> got = parse("user@bücher.example", "Zoë <zoe@ÉXAMPLE.münchen.de>", "a@xn--bcher-kva.example");
        assertThat(got).extracting(InternetAddress::getAddress)
                .containsExactly("user@xn--bcher-kva.example", "zoe@xn--xample-9ua.xn--mnchen-3ya.de", "a@xn--bcher-kva.example");
    }

    @Test
    void whatIsNotAnAddressIsNamed() {
        for (String bad : List.of("bob", "bob@", "@example.org", "bob@@example.org", "bob@exa mple.org", "Bob <bob@example.org",
                "bob@example.org>", "a@b@c", "<>", "\"unterminated <bob@example.org>")) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(InvalidDraftException.class)
                    .hasMessageStartingWith("\"to\": ");
        }
        assertThatThrownBy(() -> parse("josé@example.org")).hasMessageContaining("\"josé@example.org\"")
                .hasMessageContaining("SMTPUTF8");
        assertThatThrownBy(() -> parse("bob@-bücher-.example")).hasMessageContaining("not a valid");
        assertThatThrownBy(() -> parse("N".repeat(300) + " <bob@example.org>")).hasMessageContaining("display name")
                .hasMessageContaining("200");
        // an encoded-word that hides a line break in the display name is refused, not re-written raw
        assertThatThrownBy(() -> parse("=?UTF-8?Q?Bob=0D=0AX-Evil?= <bob@example.org>"))
                .hasMessageContaining("line");
    }

    @Test
    void configuredAddressesAreNormalisedToo() throws Exception {
        InternetAddress from = Addresses.normalized("mail.from", new InternetAddress("Zoë <zoe@bücher.example>", false));
        assertThat(from.getAddress()).isEqualTo("zoe@xn--bcher-kva.example");
        assertThat(from.getPersonal()).isEqualTo("Zoë");
    }
}
