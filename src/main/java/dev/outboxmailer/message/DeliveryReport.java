package dev.outboxmailer.message;

import java.util.List;

/**
 * What the SMTP server answered for one message.
 *
 * @param accepted the envelope recipients it accepted
 * @param rejected the ones it refused, each with its reply
 */
public record DeliveryReport(List<String> accepted, List<Rejection> rejected) {
    public DeliveryReport {
        accepted = List.copyOf(accepted);
        rejected = List.copyOf(rejected);
    }

    /** One recipient the server refused: the address, the reply code (e.g. 550) and the reply text. */
    public record Rejection(String address, int code, String reply) {}
}
