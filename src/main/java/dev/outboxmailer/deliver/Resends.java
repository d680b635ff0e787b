package dev.outboxmailer.deliver;

import dev.outboxmailer.message.OutgoingMessage;
import dev.outboxmailer.message.PartialDelivery;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The step after compose in route {@code send-draft}: a retry of a draft that some recipients already have
 * goes to the recipients still owed it alone, under the Message-ID the others got (the exchange property
 * {@link PartialDelivery#PROPERTY}). A first attempt passes unchanged.
 */
public final class Resends implements Processor {

    public void onlyTheOwed(Exchange exchange) throws MessagingException {
        PartialDelivery partial = exchange.getProperty(PartialDelivery.PROPERTY, PartialDelivery.class);
        if (partial == null || !(exchange.getMessage().getBody() instanceof OutgoingMessage message)) {
            return;
        }
        if (!partial.owed().isEmpty()) {
            List<InternetAddress> to = new ArrayList<>();
            for (String address : partial.owed()) {
                try {
                    to.add(new InternetAddress(address, true));
                } catch (AddressException e) {
                    throw new MessagingException("a deferred recipient is not an address: " + address, e);
                }
            }
            message.setEnvelopeRecipients(to);
        }
        if (partial.messageId() != null) {
            message.setHeader("Message-ID", partial.messageId());
        }
    }

    /** The route step (send-draft): {@link #onlyTheOwed}. */
    @Override
    public void process(Exchange exchange) throws MessagingException {
        onlyTheOwed(exchange);
    }
}
