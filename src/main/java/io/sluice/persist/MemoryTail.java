package io.sluice.persist;

import io.sluice.Message;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recently appended records, kept in memory so that a reader that keeps up is served from
 * here instead of reading its records back from the file (and waiting for their batch to be
 * written): the common case, where the log is only a safety net between a source and a sink that
 * keeps up. A reader that fell behind finds its record evicted and reads the file as before; each
 * item says where its record ends in its segment, so the reader can continue in the file exactly
 * after it.
 *
 * <p>Bounded: at most {@value #CAPACITY} records and {@value #BUDGET} payload bytes (the oldest are
 * evicted first; a record larger than a quarter of the budget is not kept at all), whatever the backlog.
 * Small on purpose: a reader that keeps up is at most a burst behind (a few hundred records), and
 * every record held here lives just long enough to be copied by a young collection. With 16,384
 * records and 16 MiB, a burst of 1 KB records kept ~16 MiB of such objects alive across each young
 * GC: G1's pauses grew to 40-48 ms and the live set to 113 MiB, and the persistent 1 KB cell ran at
 * 0.44-0.48 of the in-memory pipeline; at 4,096 records and 1 MiB it ran at 0.83 in the same run,
 * with pauses of 5-25 ms (benchmarks/results/persist-tail-2026-12-04/).
 *
 * <p>Thread safety: {@link #add} and {@link #clear} are called by the appender, serialised by the
 * log's lock; {@link #get} is lock-free and may be called concurrently by a reader (items are
 * immutable and published with release/acquire semantics; a reader that finds another offset in
 * a slot than the one it asked for gets null).
 */
final class MemoryTail {

    /** Records at most (a power of two). */
    static final int CAPACITY = 4096;
    /** Encoded record bytes at most. */
    static final long BUDGET = 1L << 20;
    private static final int MASK = CAPACITY - 1;

    /** A record in memory and where it ends in the segment file. */
    record Item(RecordCodec.Entry entry, long segmentBase, long endPosition) {
    }

    private final AtomicReferenceArray<Item> slots = new AtomicReferenceArray<>(CAPACITY);
    // appender state, guarded by the log's lock
    private final int[] sizes = new int[CAPACITY];
    /** Offsets [oldest, next) may have items; below oldest none. */
    private long oldest = -1;
    private long next = -1;
    private long bytes;

    /**
     * Keeps a record just appended. Offsets are expected in sequence; after a gap everything older
     * is dropped (a reader finds it in the file).
     *
     * @param m the message as appended; kept without its acknowledgement (that stays with the source's copy)
     */
    void add(long offset, long appendTime, Message m, int recordSize, long segmentBase, long endPosition) {
        if (offset != next) {
            clear();
            oldest = offset;
        }
        next = offset + 1;
        int idx = (int) offset & MASK;
        if (offset - CAPACITY >= oldest) { // the slot's previous item leaves the window
            bytes -= sizes[idx];
            sizes[idx] = 0;
            oldest = offset - CAPACITY + 1;
        }
        int size = recordSize;
        if (size > BUDGET / 4) {
            slots.setRelease(idx, null);
            return;
        }
        while (bytes + size > BUDGET && oldest < offset) {
            int j = (int) oldest & MASK;
            bytes -= sizes[j];
            sizes[j] = 0;
            slots.setRelease(j, null);
            oldest++;
        }
        sizes[idx] = size;
        bytes += size;
        Message plain = m.awaitsAck() ? m.withAck(io.sluice.Ack.NONE) : m;
        slots.setRelease(idx, new Item(new RecordCodec.Entry(offset, appendTime, plain, recordSize), segmentBase, endPosition));
    }

    /** Drops every item (the log failed: what was not written must not be served from memory). */
    void clear() {
        if (oldest >= 0) {
            for (long o = Math.max(oldest, next - CAPACITY); o < next; o++) {
                int j = (int) o & MASK;
                slots.setRelease(j, null);
                sizes[j] = 0;
            }
        }
        bytes = 0;
        oldest = next;
    }

    /** @return the item of the record at {@code offset}, or null when it is not (or no longer) in memory */
    Item get(long offset) {
        if (offset < 0) {
            return null;
        }
        Item it = slots.getAcquire((int) offset & MASK);
        return it != null && it.entry().offset() == offset ? it : null;
    }
}
