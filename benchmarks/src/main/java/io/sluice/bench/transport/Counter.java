package io.sluice.bench.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Receiver-side clock: counts messages fully received and timestamps the first and the last
 * (the talk's method: ns per message = (last - first) / (count - 1), which excludes the time
 * senders spend before the first message lands and work still in flight at the sender).
 */
final class Counter {
    private final AtomicLong count = new AtomicLong();
    private volatile long first;
    private volatile long last;

    /** Records one received message. Safe from several receiving threads. */
    void hit() {
        long now = System.nanoTime();
        if (count.getAndIncrement() == 0) {
            first = now;
        }
        last = now;
    }

    void reset() {
        count.set(0);
        first = 0;
        last = 0;
    }

    long count() {
        return count.get();
    }

    long first() {
        return first;
    }

    long last() {
        return last;
    }
}
