package io.sluice.gateway;

import java.util.function.LongSupplier;

/**
 * A pipeline's received, delivered and dropped counts as one consistent reading, so that every
 * {@code /metrics} scrape satisfies {@code delivered + dropped <= received}. A message is counted
 * received before it is counted delivered or dropped, so reading the downstream counters first and
 * {@code received} last can never invert them. Each of the three meters reads its value from the
 * current reading; a meter read a second time (the next scrape) takes a new reading first, so the
 * three values of one scrape come from one reading. Thread-safe.
 */
final class CounterSnapshot {

    static final int RECEIVED = 0;
    static final int DELIVERED = 1;
    static final int DROPPED = 2;

    private final LongSupplier received;
    private final LongSupplier delivered;
    private final LongSupplier dropped;
    private final long[] values = new long[3];
    private int read = 0b111;

    CounterSnapshot(LongSupplier received, LongSupplier delivered, LongSupplier dropped) {
        this.received = received;
        this.delivered = delivered;
        this.dropped = dropped;
    }

    /**
     * @param which {@link #RECEIVED}, {@link #DELIVERED} or {@link #DROPPED}
     * @return its value in the current reading (a new reading when this one was already read)
     */
    synchronized double read(int which) {
        int bit = 1 << which;
        if ((read & bit) != 0) {
            values[DELIVERED] = delivered.getAsLong();
            values[DROPPED] = dropped.getAsLong();
            values[RECEIVED] = received.getAsLong();
            read = 0;
        }
        read |= bit;
        return values[which];
    }
}
