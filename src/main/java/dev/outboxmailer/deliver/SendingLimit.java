package dev.outboxmailer.deliver;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a {@code 5xx} reply means that the <em>account</em> may not send for now (its daily or hourly
 * sending quota is used up, it is sending too fast), rather than that this one message is refused. Such a
 * reply would refuse every draft of the backlog alike, so it pauses sending as an operator problem instead
 * of failing them all (SPEC §9, "Right class").
 *
 * <p>The replies recognised, as the providers send them:
 * <ul>
 *   <li>the enhanced status code {@code 5.4.5} (Gmail: {@code 550 5.4.5 Daily user sending quota exceeded},
 *       {@code 550 5.4.5 Daily user sending limit exceeded}, {@code 550 5.4.5 Daily SMTP relay limit exceeded for
 *       user});</li>
 *   <li>Microsoft 365 / Outlook.com: {@code 554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException},
 *       {@code 550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients},
 *       and Outlook.com's daily-limit verdict {@code ... OutboundSpamException ... Actual verdict is Suspend,
 *       ShowTierUpgrade};</li>
 *   <li>QQ Mail: {@code 550 Ip frequency limited}, {@code 550 Connection frequency limited}, {@code 550 Domain
 *       frequency limited};</li>
 *   <li>NetEase (163): {@code 550 MI:STC} (the sender's messages of the day exceed the limit) and {@code 550 RP:TRC}
 *       (the sender's recipients of the day exceed the limit);</li>
 *   <li>the plain-language texts "sending quota", "sending limit", "daily limit", "rate limit(ed)" and "too many
 *       messages" that smaller providers use.</li>
 * </ul>
 * Not among them: a <em>recipient's</em> full mailbox ({@code 552 5.2.2 ... over quota}), which refuses that one
 * message; nor {@code 550 5.7.60} (Exchange: the login may not send as that From), which is about the draft's
 * sender, not about a quota.
 */
public final class SendingLimit {
    private static final Pattern STATUS_5_4_5 = Pattern.compile("(^|[\\s-])5\\.4\\.5(\\s|$)");
    private static final List<String> TEXTS = List.of(
            "sending quota", "sending limit", "daily limit", "daily user sending", "relay limit",
            "submissionquotaexceeded", "5.1.90", "showtierupgrade",
            "frequency limited", "mi:stc", "rp:trc",
            "rate limit", "rate-limit", "too many messages");

    private SendingLimit() {}

    /** True when this reply text (code and message) says the account's sending limit is reached. */
    public static boolean means(String reply) {
        if (reply == null) {
            return false;
        }
        String text = reply.toLowerCase(Locale.ROOT);
        return STATUS_5_4_5.matcher(text).find() || TEXTS.stream().anyMatch(text::contains);
    }
}
