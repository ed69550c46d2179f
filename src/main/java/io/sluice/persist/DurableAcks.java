package io.sluice.persist;

import io.sluice.Message;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledgements towards the source: a message that arrives with an {@link io.sluice.Ack} (a
 * source waiting to answer its sender) is acknowledged once its record is durable per
 * {@link Fsync}: under {@link Fsync#ALWAYS} once the batch that holds it was written and forced,
 * under {@link Fsync#NEVER} once it was written to the OS (which decides when to write back), else
 * after the group commit that covers it; never if that write or commit fails.
 *
 * <p><b>Refusals</b>: a message the log does not take (full under {@link WhenFull#DROP_NEWEST},
 * too large, held when the stage stopped) is {@link Message#refuse refused} at once. After a failed
 * write or force (ENOSPC, EIO) the log is <em>failed</em>: nothing unforced can be trusted any more
 * (after a failed fsync the OS may have dropped the dirty pages), so every message waiting for a
 * group commit is refused, and so is every later message, until the gateway restarts and recovery
 * keeps what was durable. Records already acknowledged to a sender were durable before the failure
 * and stay on disk, delivered as before. Thread-safe.
 */
final class DurableAcks {

    private static final Logger LOG = LoggerFactory.getLogger(DurableAcks.class);

    private final String name;
    /** {offset, message} appended and waiting to be durable, oldest first; guarded by itself. */
    private final ArrayDeque<Object[]> waiting = new ArrayDeque<>();
    private final AtomicLong refusedAfterFailure = new AtomicLong();
    private volatile IOException failure;

    DurableAcks(String name) {
        this.name = name;
    }

    /** Called after {@code m} was appended at {@code offset}. */
    void appended(Message m, long offset) {
        if (!m.awaitsAck()) {
            return;
        }
        synchronized (waiting) {
            if (failure == null) {
                waiting.add(new Object[] {offset, m});
                return;
            }
        }
        refuse(m, failure);
    }

    /** Acknowledges every waiting message whose offset is at most {@code durable}, in order. */
    void durableUpTo(long durable) {
        while (true) {
            Message m;
            synchronized (waiting) {
                Object[] head = waiting.peekFirst();
                if (head == null || (Long) head[0] > durable) {
                    return;
                }
                waiting.pollFirst();
                m = (Message) head[1];
            }
            m.ack();
        }
    }

    /**
     * An append or a force failed: the log is failed from now on. Refuses {@code m} (the message
     * whose append failed, or null) and every message waiting for a group commit.
     */
    void failed(Message m, IOException e) {
        boolean first;
        List<Object[]> left;
        synchronized (waiting) {
            first = failure == null;
            if (first) {
                failure = e;
            }
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        if (first) {
            LOG.error("persistent stage '{}': writing to the log failed; it refuses every new message until the gateway"
                    + " restarts (records already on disk are still delivered; senders that wait are told)", name, e);
        }
        if (m != null) {
            refuse(m, e);
        }
        for (Object[] w : left) {
            refuse((Message) w[1], e);
        }
    }

    /** Refuses every message still waiting for a group commit (the log stops without forcing them). */
    void refuseWaiting(String reason) {
        List<Object[]> left;
        synchronized (waiting) {
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        left.forEach(w -> ((Message) w[1]).refuse(reason));
    }

    private void refuse(Message m, IOException e) {
        refusedAfterFailure.incrementAndGet();
        m.refuse("persistent log failed: " + e.getMessage());
    }

    /** @return the write or force that failed the log, null while it works */
    IOException failure() {
        return failure;
    }

    /** @return messages refused because the log had failed */
    long refusedAfterFailure() {
        return refusedAfterFailure.get();
    }
}
