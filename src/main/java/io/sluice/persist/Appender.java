package io.sluice.persist;

import io.sluice.Message;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The upstream side of a {@link PersistentSubscriber}: appends each message to the log, or holds it
 * while the log is full under {@link WhenFull#BLOCK} (in arrival order; later messages queue behind
 * it), drops it under {@link WhenFull#DROP_NEWEST} (counted, refused), refuses it when it is too
 * large or the log has failed; and counts what upstream may be asked for again (every
 * {@code limit} messages taken). Thread-safe (serialised on this object).
 */
final class Appender {

    private static final Logger LOG = LoggerFactory.getLogger(Appender.class);

    private final PersistentOverflow stage;
    private final Context context;
    private final int limit;
    /** Messages waiting for room in the log, in arrival order. */
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    /** {@link #held} is not empty (read without the lock, to decide whether to wake the drain). */
    private volatile boolean holding;
    private int sinceRequest;

    Appender(PersistentOverflow stage, Context context, int limit) {
        this.stage = stage;
        this.context = context;
        this.limit = limit;
    }

    /** @return how many more messages to request from upstream now (0: not yet) */
    synchronized int offer(Message m) {
        if (held.isEmpty() && store(m)) {
            return counted();
        }
        held.add(m);
        holding = true;
        return 0;
    }

    /**
     * Retries held messages (the log may have room after acknowledgements and a checkpoint).
     *
     * @return how many more messages to request from upstream now
     */
    synchronized int retry() {
        int replenish = 0;
        while (!held.isEmpty() && store(held.peekFirst())) {
            held.pollFirst();
            replenish += counted();
        }
        holding = !held.isEmpty();
        return replenish;
    }

    /** @return true while messages wait for room in the log (lock-free, may be stale) */
    boolean holding() {
        return holding;
    }

    synchronized boolean hasHeld() {
        return !held.isEmpty();
    }

    /** Refuses and discards every held message (the subscription ends). */
    synchronized void refuseHeld(String reason) {
        held.forEach(m -> {
            m.refuse(reason);
            Operators.onDiscard(m, context);
        });
        held.clear();
        holding = false;
    }

    private int counted() {
        if (++sinceRequest >= limit) {
            int r = sinceRequest;
            sinceRequest = 0;
            return r;
        }
        return 0;
    }

    /** @return true if {@code m} was appended, dropped or rejected; false if it must wait for room */
    private boolean store(Message m) {
        try {
            long offset = stage.log.appendBuffered(m);
            if (offset >= 0) {
                stage.durableAcks.appended(m, offset);
                return true;
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("persistent stage '{}': message rejected: {}", stage.name(), e.getMessage());
            m.refuse("rejected by the persistent log: " + e.getMessage());
            Operators.onDiscard(m, context);
            return true;
        } catch (IOException e) {
            if (stage.isClosed()) {
                // the stage stopped while this thread (an event loop, see deliverOnAppend) was appending
                m.refuse("the persistent stage stopped before the message was written");
                Operators.onDiscard(m, context);
                return true;
            }
            // a failed log refuses this and every later message; the subscription goes on delivering
            // what is on disk (see DurableAcks)
            stage.durableAcks.failed(m, e);
            return true;
        }
        if (stage.settings.whenFull == WhenFull.DROP_NEWEST) {
            stage.stats.droppedFull.incrementAndGet();
            m.refuse("the persistent log is full (maxBytes, whenFull: drop-newest)");
            Operators.onDiscard(m, context);
            return true;
        }
        return false;
    }
}
