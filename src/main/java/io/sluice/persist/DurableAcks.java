package io.sluice.persist;

import io.sluice.Message;
import java.util.ArrayDeque;

/**
 * Acknowledgements towards the source: a message that arrives with an {@link io.sluice.Ack} (a
 * source waiting to answer its sender) is acknowledged once its record is durable per
 * {@link Fsync}: at once under {@link Fsync#ALWAYS} (forced before {@code append} returned) and
 * {@link Fsync#NEVER} (written to the OS, which decides), else after the group commit that covers
 * it; never if that commit fails. Thread-safe.
 */
final class DurableAcks {

    private final Fsync fsync;
    /** {offset, message} appended and waiting for a group commit, oldest first; guarded by itself. */
    private final ArrayDeque<Object[]> waiting = new ArrayDeque<>();

    DurableAcks(Fsync fsync) {
        this.fsync = fsync;
    }

    /** Called after {@code m} was appended at {@code offset}. */
    void appended(Message m, long offset) {
        if (!m.awaitsAck()) {
            return;
        }
        if (fsync.always() || fsync.never()) {
            m.ack();
            return;
        }
        synchronized (waiting) {
            waiting.add(new Object[] {offset, m});
        }
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
}
