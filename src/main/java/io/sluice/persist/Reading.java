package io.sluice.persist;

import io.sluice.Ack;
import io.sluice.Message;
import reactor.core.CoreSubscriber;

/**
 * The reading side of a {@link PersistentSubscriber}: the log cursor, the record read ahead (for the
 * oldest-unacknowledged-age metric), and handing records downstream with their acknowledgement.
 * Used by the subscriber's drain only, which its work-in-progress counter serialises.
 */
final class Reading {

    /** Records read from the file at most ahead of delivery ({@link #next}), and their bytes. */
    static final int PREFETCH = 64;
    static final int PREFETCH_BYTES = 256 << 10;

    final LogCursor cursor;
    /** The next record, read and not delivered yet; null if none. */
    RecordCodec.Entry ahead;
    /** Records read from the file after {@link #ahead}, in order, not delivered yet. */
    private final java.util.ArrayDeque<RecordCodec.Entry> prefetched = new java.util.ArrayDeque<>();
    /** Highest offset handed downstream and not yet acknowledged in the log (no explicit acks), -1 if none. */
    private long deliveredUpTo = -1;
    private final PersistentOverflow stage;
    private final DeliveryGate gate;
    private final boolean explicitAck;
    private final CoreSubscriber<? super Message> actual;

    Reading(PersistentOverflow stage, DeliveryGate gate, boolean explicitAck, CoreSubscriber<? super Message> actual) {
        this.cursor = stage.log.cursor();
        this.stage = stage;
        this.gate = gate;
        this.explicitAck = explicitAck;
        this.actual = actual;
    }

    /** Hands {@link #ahead} downstream (the caller checked the gate). */
    void emit() {
        RecordCodec.Entry e = ahead;
        ahead = null;
        gate.emitted();
        Ack ack = null;
        if (explicitAck) {
            ack = stage.window.delivered(e.offset(), e.appendTime());
        } else {
            deliveredUpTo = e.offset(); // acknowledged in the log once per drain pass (its lock is the appenders')
        }
        cursor.delivered(e);
        actual.onNext(ack != null ? e.message().withAck(ack) : e.message());
    }

    /**
     * The next record: one read before, else from the cursor. A record from the file brings the ones
     * after it that are in the file too (at most {@value #PREFETCH} records or about
     * {@value #PREFETCH_BYTES} bytes), so that the drain hands them over back to back rather than
     * one file read apart (a consumer that is faster than the reads would be woken for each).
     *
     * @return null when none is available yet
     */
    RecordCodec.Entry next() throws java.io.IOException {
        RecordCodec.Entry e = prefetched.poll();
        if (e != null) {
            return e;
        }
        e = cursor.next();
        if (e == null || cursor.lastFromMemory()) {
            return e;
        }
        long bytes = e.size();
        while (prefetched.size() < PREFETCH && bytes < PREFETCH_BYTES) {
            RecordCodec.Entry f = cursor.next();
            if (f == null) {
                break;
            }
            prefetched.add(f);
            bytes += f.size();
            if (cursor.lastFromMemory()) {
                break; // caught up with the memory tail
            }
        }
        return e;
    }

    /**
     * Delivers records from the log's memory tail while there is demand; touches no file, so any
     * thread may run it.
     *
     * @return false when the next record must be read from the file (by the io thread's drain)
     */
    boolean fromMemory() {
        if (!prefetched.isEmpty() || ahead != null && !cursor.lastFromMemory()) {
            return false; // read from the file by the io thread, which delivers it (and those after it)
        }
        while (true) {
            if (ahead == null) {
                ahead = cursor.nextFromMemory();
            }
            if (ahead == null) {
                refreshAge(); // once per pass, not per record (a metric)
                ackDelivered();
                // not in memory: caught up (nothing to do), or behind it (the files)
                return caughtUp() || !gate.open();
            }
            if (!gate.open()) {
                refreshAge();
                ackDelivered();
                return true;
            }
            emit();
        }
    }

    /** @return true when every record appended so far has been read (from memory or the file) */
    boolean caughtUp() {
        return prefetched.isEmpty() && cursor.last() >= stage.log.lastOffset();
    }

    void refreshAge() {
        long t = 0;
        if (explicitAck) { // otherwise nothing is ever delivered unacknowledged
            t = stage.window.oldestAppendTime();
        }
        if (t == 0 && ahead != null) {
            t = ahead.appendTime();
        }
        stage.oldestUnacked = t;
    }

    /** Without explicit acknowledgements a record is acknowledged once handed downstream: tells the log. */
    void ackDelivered() {
        if (deliveredUpTo >= 0) {
            stage.log.ack(deliveredUpTo);
            deliveredUpTo = -1;
        }
    }
}
