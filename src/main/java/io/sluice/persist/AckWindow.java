package io.sluice.persist;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The window of a stage in explicit-ack mode: records delivered and not yet acknowledged, oldest
 * first, and acknowledgements that came before an older record's (out of order), kept until that
 * one comes: the log's acknowledged position only moves over contiguous records. Thread-safe
 * (the reader adds, any thread acknowledges; {@link #size()} and {@link #oldestAppendTime()} are
 * read without the lock, from volatile copies updated under it); each method that acknowledges
 * returns the highest offset now acknowledged contiguously, -1 if that did not move.
 */
final class AckWindow {

    /** {offset, appendTime} delivered and not acknowledged, oldest first. */
    private final ArrayDeque<long[]> unacked = new ArrayDeque<>();
    /** Offsets in {@link #unacked} acknowledged before an older one. */
    private final Set<Long> ackedAhead = new HashSet<>();
    private volatile int size;
    private volatile long oldest;

    /** A new reader starts again at the first unacknowledged record: forgets what was delivered. */
    synchronized void reset() {
        unacked.clear();
        ackedAhead.clear();
        changed();
    }

    /** Updates the lock-free copies; called under the lock after every change. */
    private void changed() {
        size = unacked.size();
        long[] head = unacked.peekFirst();
        oldest = head == null ? 0 : head[1];
    }

    /** The reader handed this record downstream. */
    synchronized void delivered(long offset, long appendTime) {
        unacked.add(new long[] {offset, appendTime});
        size = unacked.size();
        if (size == 1) {
            oldest = appendTime;
        }
    }

    /** @return records delivered and not acknowledged */
    int size() {
        return size;
    }

    /** @return the append time of the oldest delivered, unacknowledged record, 0 if none */
    long oldestAppendTime() {
        return oldest;
    }

    /**
     * @param offset a delivered record whose consumer is done with it
     * @return the highest offset acknowledged contiguously now, -1 if the position did not move
     */
    synchronized long acknowledge(long offset) {
        long[] head = unacked.peekFirst();
        if (head == null || offset < head[0]) {
            return -1; // acknowledged already, or delivered by an earlier subscription and read again since
        }
        if (offset != head[0]) {
            ackedAhead.add(offset);
            return -1;
        }
        long upTo = unacked.pollFirst()[0];
        while (!unacked.isEmpty() && ackedAhead.remove(unacked.peekFirst()[0])) {
            upTo = unacked.pollFirst()[0];
        }
        changed();
        return upTo;
    }

    /**
     * @param count how many of the oldest delivered records to acknowledge
     * @return {number acknowledged, highest offset acknowledged or -1}
     */
    synchronized long[] acknowledgeOldest(long count) {
        long n = 0;
        long upTo = -1;
        while (n < count && !unacked.isEmpty()) {
            upTo = unacked.pollFirst()[0];
            n++;
        }
        changed();
        return new long[] {n, upTo};
    }
}
