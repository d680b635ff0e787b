package dev.outboxmailer.intake;

import dev.outboxmailer.state.DeliveryPause;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Consumer;
import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue route's policy ({@code routePolicy: queueGate}): while sending is paused for an operator
 * problem ({@link DeliveryPause}), the queue consumer is suspended, so messages stay on the broker (or
 * go to another instance whose server works) instead of being taken and put back. It resumes when the
 * pause ends; the first draft then shows whether the problem is gone.
 */
public final class QueueGate extends RoutePolicySupport {
    private static final Logger LOG = LoggerFactory.getLogger(QueueGate.class);
    static final long CHECK_EVERY_MS = 200;

    private final DeliveryPause pause;
    private ScheduledExecutorService timer;
    private volatile Consumer consumer;
    private boolean suspended;

    public QueueGate(DeliveryPause pause) {
        this.pause = pause;
    }

    @Override
    public void onStart(Route route) {
        consumer = route.getConsumer();
        if (timer == null) {
            timer = route.getCamelContext().getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "queue-gate");
            timer.scheduleWithFixedDelay(this::check, CHECK_EVERY_MS, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onStop(Route route) {
        if (timer != null) {
            route.getCamelContext().getExecutorServiceManager().shutdownNow(timer);
            timer = null;
        }
    }

    private synchronized void check() {
        try {
            boolean paused = pause.isPaused();
            if (paused && !suspended && suspendOrStopConsumer(consumer)) {
                suspended = true;
                LOG.info("Queue: not taking drafts while sending is paused");
            } else if (!paused && suspended) {
                resumeOrStartConsumer(consumer);
                suspended = false;
                LOG.info("Queue: taking drafts again");
            }
        } catch (Exception e) {
            LOG.warn("Queue: cannot suspend or resume the consumer: {}", e.toString());
        }
    }
}
