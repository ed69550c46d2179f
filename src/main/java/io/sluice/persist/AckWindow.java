package io.sluice.persist;

import io.sluice.Ack;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;

/**
 * The window of a stage in explicit-ack mode: records delivered and not yet acknowledged, and
 * cumulative acknowledgement over them. The reader numbers the records it delivers (0, 1, 2, ... per
 * subscription) and hands each message an {@link Ack} that marks its number done; the window's head
 * (the first number not done) moves over every contiguous run of done numbers, and the listener is
 * told the offset of the last record it passed: the log's acknowledged position only moves over
 * contiguous records, so an acknowledgement that comes before an older record's (a filtered message,
 * acknowledged while older ones still wait in a sink) waits until that one comes.
 *
 * <p>Lock-free and allocation-free apart from the acknowledgement itself: a ring of at most
 * {@code capacity} slots (the reader delivers at most {@code capacity} unacknowledged records, see
 * {@link #size()}); an acknowledgement is one volatile write and, when it is the head's, one
 * compare-and-set that moves the head over the whole run. A second call of an acknowledgement does
 * nothing more. A new reader ({@link #reset()}) gets a new ring: acknowledgements of messages an
 * earlier subscription delivered are ignored (those records are read again).
 */
final class AckWindow {

    private final int capacity;
    private final LongConsumer listener;
    private volatile Ring ring;

    /**
     * @param maxUnacked records at most delivered and not acknowledged (the reader keeps to it)
     * @param listener told the highest offset acknowledged contiguously whenever it moves, on the
     *     acknowledging thread
     */
    AckWindow(int maxUnacked, LongConsumer listener) {
        this.capacity = Integer.highestOneBit(Math.max(1, maxUnacked - 1)) << 1;
        this.listener = listener;
        this.ring = new Ring(capacity);
    }

    /** A new reader starts again at the first unacknowledged record: forgets what was delivered. */
    void reset() {
        ring = new Ring(capacity);
    }

    /**
     * The reader handed this record downstream (one thread at a time, at most {@code maxUnacked}
     * ahead of the head).
     *
     * @return the acknowledgement its message carries
     */
    Ack delivered(long offset, long appendTime) {
        Ring r = ring;
        long seq = r.tail;
        int slot = (int) seq & r.mask;
        r.offsets[slot] = offset;
        r.times[slot] = appendTime;
        Ring.TAIL.setRelease(r, seq + 1); // publishes the slot (a release store: no full fence per record)
        return new RecordAck(this, r, seq);
    }

    /** @return records delivered and not acknowledged */
    int size() {
        Ring r = ring;
        return (int) (r.tail - r.head.get());
    }

    /** @return the append time of the oldest delivered, unacknowledged record, 0 if none (may be stale) */
    long oldestAppendTime() {
        Ring r = ring;
        long h = r.head.get();
        return h < r.tail ? r.times[(int) h & r.mask] : 0;
    }

    /**
     * @param count how many of the oldest delivered records to acknowledge
     * @return how many were acknowledged
     */
    long acknowledgeOldest(long count) {
        Ring r = ring;
        while (true) {
            long h = r.head.get();
            long n = Math.min(count, r.tail - h);
            if (n <= 0) {
                return 0;
            }
            long off = r.offsets[(int) (h + n - 1) & r.mask];
            if (r.head.compareAndSet(h, h + n)) {
                listener.accept(off);
                r.advance(this); // numbers acknowledged just beyond the run
                return n;
            }
        }
    }

    /** One subscription's numbering: slots indexed by number, the head, the tail. */
    private static final class Ring {
        final int mask;
        final long[] offsets;
        final long[] times;
        /** {@code marks[n & mask] == n}: number n is done. */
        final AtomicLongArray marks;
        /** The first number not done. */
        final AtomicLong head = new AtomicLong();
        /** The next number the reader gives out (written by the reader only, with {@link #TAIL}). */
        volatile long tail;
        static final java.lang.invoke.VarHandle TAIL;

        static {
            try {
                TAIL = java.lang.invoke.MethodHandles.lookup().findVarHandle(Ring.class, "tail", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        Ring(int capacity) {
            mask = capacity - 1;
            offsets = new long[capacity];
            times = new long[capacity];
            marks = new AtomicLongArray(capacity);
            for (int i = 0; i < capacity; i++) {
                marks.set(i, -1);
            }
        }

        void done(AckWindow w, long seq) {
            if (seq < head.get()) {
                return; // acknowledged already
            }
            marks.set((int) seq & mask, seq);
            // Only the head's acknowledgement moves the head; one that marks the next number while
            // the head moves is seen by the mover's second look (the mark is written before head is read).
            if (head.get() == seq) {
                advance(w);
            }
        }

        /** Moves the head over every done number after it, telling the listener each time it moved. */
        void advance(AckWindow w) {
            while (true) {
                long h = head.get();
                long t = tail;
                long e = h;
                while (e < t && marks.get((int) e & mask) == e) {
                    e++;
                }
                if (e == h) {
                    return;
                }
                // read before the head passes it: the slot may be given out again afterwards
                long off = offsets[(int) (e - 1) & mask];
                if (head.compareAndSet(h, e) && w.ring == this) {
                    w.listener.accept(off);
                }
            }
        }
    }

    /** The acknowledgement of one delivered record. */
    private static final class RecordAck implements Ack {
        private final AckWindow window;
        private final Ring ring;
        private final long seq;

        RecordAck(AckWindow window, Ring ring, long seq) {
            this.window = window;
            this.ring = ring;
            this.seq = seq;
        }

        @Override
        public void done() {
            if (window.ring == ring) {
                ring.done(window, seq);
            }
        }
    }
}
