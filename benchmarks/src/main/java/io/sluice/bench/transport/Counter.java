package io.sluice.bench.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Receiver-side clock: counts messages fully received and timestamps the first and the last
 * (the talk's method: ns per message = (last - first) / (count - 1), which excludes the time
 * senders spend before the first message lands and work still in flight at the sender).
 *
 * <p>Several receiving threads (parallel rows) may race: a thread can take its timestamp, be
 * descheduled, and record it after a later one. So {@code last} keeps the largest timestamp seen
 * and {@code first} the smallest among the first hits (only hits that raced the very first one
 * can carry an earlier timestamp: at most one per receiving thread), never a stale overwrite that
 * would shorten the measured interval.
 */
final class Counter {
    /** Hits that may have raced the first one: far more than receiving threads. */
    private static final long RACING_HITS = 64;

    private final AtomicLong count = new AtomicLong();
    private final AtomicLong first = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

    /** Records one received message. Safe from several receiving threads. */
    void hit() {
        long now = System.nanoTime();
        if (count.getAndIncrement() < RACING_HITS) {
            first.accumulateAndGet(now, Math::min);
        }
        last.accumulateAndGet(now, Math::max);
    }

    void reset() {
        count.set(0);
        first.set(Long.MAX_VALUE);
        last.set(Long.MIN_VALUE);
    }

    long count() {
        return count.get();
    }

    long first() {
        return first.get();
    }

    long last() {
        return last.get();
    }
}
