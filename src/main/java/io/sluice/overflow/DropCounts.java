package io.sluice.overflow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The overflow-drop count of one {@link OverflowPolicy}, kept without an atomic instruction per drop.
 *
 * <p>Every drop happens on the thread running the stage's {@code onNext} (Reactive Streams rule
 * 1.3 makes those calls serial). Each thread that drops gets its own {@link Cell}, which only that
 * thread ever writes: an increment is a plain read and a release store, no locked instruction
 * (a {@code LongAdder}'s increment is a CAS, a full fence on x86, which also waits for the
 * producer's preceding stores to lines the consumer holds). {@link #sum()} adds the cells up under
 * a lock; a cell whose thread has terminated is folded into {@code retired} and removed (the
 * thread's termination happens-before {@code isAlive()} returning false, so its last value is
 * seen), so the map holds at most the threads alive that ever dropped, plus {@link #PRUNE_ABOVE}.
 *
 * <p>Ordering: a reader that sees a cell's value also sees everything the dropping thread did
 * before that drop (release store, acquire load), so counting a message received before dropping
 * it keeps {@code dropped <= received} for a reader that reads {@code dropped} first.
 */
final class DropCounts {

    /** Dead threads' cells are folded on registration only when the map is larger than this. */
    static final int PRUNE_ABOVE = 64;

    /** One thread's count. Padded so that two threads' cells never share a cache line. */
    static final class Cell {
        private static final VarHandle VALUE;

        static {
            try {
                VALUE = MethodHandles.lookup().findVarHandle(Cell.class, "value", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread owner;
        long p01, p02, p03, p04, p05, p06, p07;
        /** Written only by {@link #owner}, with release stores. */
        private long value;
        long p11, p12, p13, p14, p15, p16, p17;

        Cell(Thread owner) {
            this.owner = owner;
        }

        /** Adds one. Must be called by {@link #owner} only (see {@link DropCounts#cell}). */
        void increment() {
            VALUE.setRelease(this, value + 1);
        }

        long get() {
            return (long) VALUE.getAcquire(this);
        }
    }

    private final ConcurrentHashMap<Thread, Cell> cells = new ConcurrentHashMap<>();
    /** Counts of cells whose thread has terminated; guarded by {@code this}. */
    private long retired;

    /**
     * @param cached the caller's cell from an earlier call, or null
     * @return the current thread's cell: {@code cached} when it belongs to this thread (the usual
     *     case, no lookup), else the thread's registered cell
     */
    Cell cell(Cell cached) {
        Thread t = Thread.currentThread();
        if (cached != null && cached.owner == t) {
            return cached;
        }
        Cell c = cells.get(t);
        if (c == null) {
            c = new Cell(t);
            cells.put(t, c);
            if (cells.size() > PRUNE_ABOVE) {
                sum();
            }
        }
        return c;
    }

    /** @return every drop counted so far (a snapshot: drops on other threads may be under way) */
    synchronized long sum() {
        long s = retired;
        for (Iterator<Cell> it = cells.values().iterator(); it.hasNext();) {
            Cell c = it.next();
            if (c.owner.isAlive()) {
                s += c.get();
            } else {
                long v = c.get();
                retired += v;
                s += v;
                it.remove();
            }
        }
        return s;
    }
}
