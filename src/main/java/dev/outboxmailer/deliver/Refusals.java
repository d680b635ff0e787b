package dev.outboxmailer.deliver;

import dev.outboxmailer.message.DeliveryReport.Rejection;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;

/**
 * The server's answer recipient by recipient: a {@code 5xx} refuses one for good, a {@code 4xx} defers it
 * (greylisting, a full mailbox, a busy server) and it is tried again alone.
 */
public final class Refusals {
    private Refusals() {}

    /** The recipients refused one by one in a send that failed (none accepted), or an empty list. */
    public static List<Rejection> of(Throwable error) {
        List<Rejection> refused = new ArrayList<>();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SendFailedException failed) {
                for (Exception next = failed.getNextException(); next != null;
                        next = next instanceof MessagingException m ? m.getNextException() : null) {
                    if (next instanceof SMTPAddressFailedException a) {
                        String address = a.getAddress() == null ? "" : a.getAddress().getAddress();
                        refused.add(new Rejection(address, a.getReturnCode(), oneLine(a.getMessage())));
                    }
                }
                return refused;
            }
        }
        return refused;
    }

    public static List<Rejection> permanent(List<Rejection> refused) {
        return refused.stream().filter(r -> r.code() >= 500).toList();
    }

    public static List<Rejection> deferred(List<Rejection> refused) {
        return refused.stream().filter(r -> r.code() < 500).toList();
    }

    public static List<String> addresses(List<Rejection> refused) {
        return refused.stream().map(Rejection::address).toList();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
