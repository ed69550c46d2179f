package io.sluice.transport.resp;

import io.sluice.Message;
import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.internal.TransportSupport;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Sinks;

/**
 * The {@code priority-queue} sink's subscription to its pipeline: each message becomes an item in the
 * {@link Backlog} (the {@code item} header, else the payload as UTF-8; the {@code priority} header,
 * missing or not a whole number = 0), and the backlog's demand is requested here. {@link #done}
 * completes or fails with the pipeline.
 */
final class Feed extends BaseSubscriber<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(Feed.class);

    final Sinks.Empty<Void> done = Sinks.empty();
    private final EventDispatcher events;
    volatile Backlog backlog;
    volatile Disposable periodic;
    int initial;

    Feed(EventDispatcher events) {
        this.events = events;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
        if (initial > 0) {
            s.request(initial);
        }
    }

    @Override
    protected void hookOnNext(Message m) {
        String item = m.headers().get("item");
        if (item == null) {
            item = m.payloadUtf8();
        }
        String evicted = backlog.offer(item, priority(m.headers().get("priority")));
        if (evicted != null) {
            LOG.debug("priority-queue: full, evicted the lowest item {}", evicted);
            TransportSupport.publish(events, new Dropped(PriorityQueueSink.NAME, "priority", backlog.evicted()));
        }
    }

    @Override
    protected void hookOnComplete() {
        done.tryEmitEmpty();
    }

    @Override
    protected void hookOnError(Throwable t) {
        done.tryEmitError(t);
    }

    static long priority(String text) {
        try {
            return text == null ? 0L : Long.parseLong(text.trim());
        } catch (NumberFormatException notANumber) {
            return 0L;
        }
    }
}
