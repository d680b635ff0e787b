package dev.outboxmailer.state;

/** A draft was picked up while sending is paused for an operator problem: it stays where it is. */
public class DeliveryPausedException extends Exception {
    public DeliveryPausedException(String problem) {
        super(problem);
    }
}
