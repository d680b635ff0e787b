package dev.outboxmailer.config;

import java.time.Duration;

/**
 * When a draft that failed for a passing reason is tried again ({@code retry.*}): the n-th retry waits
 * {@code initialDelay × multiplier^(n-1)}, capped at {@code maxDelay}; after {@code giveUpAfter} from
 * the first attempt the draft fails as {@code expired}.
 */
public record RetryPolicy(Duration initialDelay, double multiplier, Duration maxDelay, Duration giveUpAfter) {

    /** The wait after the given number of failed attempts (1 = after the first). */
    public Duration delayAfter(int failedAttempts) {
        double millis = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempts - 1));
        return millis >= maxDelay.toMillis() ? maxDelay : Duration.ofMillis((long) millis);
    }
}
