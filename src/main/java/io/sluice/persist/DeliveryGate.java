package io.sluice.persist;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * What a {@link PersistentSubscriber}'s drain may deliver now: downstream's outstanding demand and,
 * in explicit-ack mode, room in the window of unacknowledged records. When the drain stops for
 * either, a flag tells the next request ({@link #request}) or acknowledgement
 * ({@link #waitsForAck()}) to wake it; each flag is set before a second look, so a request or an
 * acknowledgement that comes in between is seen. Requests come from any thread; the rest is called
 * by the drain (serialised).
 */
final class DeliveryGate {

    private final AtomicLong requested = new AtomicLong();
    /** Records handed downstream (drain only). */
    private long emitted;
    /** The drain stopped for lack of demand: a request must wake it. */
    private volatile boolean starved = true;
    /** The drain stopped because the window was full: an acknowledgement must wake it. */
    private volatile boolean windowFull;
    private final int window;
    private final IntSupplier unacked;

    /**
     * @param window records at most delivered and unacknowledged, 0 for no window
     * @param unacked how many are now
     */
    DeliveryGate(int window, IntSupplier unacked) {
        this.window = window;
        this.unacked = unacked;
    }

    /**
     * Adds demand (capped at {@code Long.MAX_VALUE}).
     *
     * @return true when the drain waits for demand and must be woken
     */
    boolean request(long n) {
        long r;
        do {
            r = requested.get();
        } while (r != Long.MAX_VALUE && !requested.compareAndSet(r, r + n < 0 ? Long.MAX_VALUE : r + n));
        return starved;
    }

    /** The drain handed one record downstream. */
    void emitted() {
        emitted++;
    }

    /** @return true when downstream wants nothing more now (then a request wakes the drain) */
    boolean noDemand() {
        if (emitted != requested.get()) {
            return false;
        }
        starved = true;
        if (emitted != requested.get()) {
            starved = false;
            return false;
        }
        return true;
    }

    /** @return true when the window is full (then an acknowledgement wakes the drain); false without a window */
    boolean windowFull() {
        if (window <= 0 || unacked.getAsInt() < window) {
            if (windowFull) { // a volatile store only when it changes (this runs once per record)
                windowFull = false;
            }
            return false;
        }
        windowFull = true;
        if (unacked.getAsInt() < window) {
            windowFull = false;
            return false;
        }
        return true;
    }

    /** @return true when the drain stopped for a full window: an acknowledgement must wake it */
    boolean waitsForAck() {
        return windowFull;
    }

    /** @return true when nothing stops delivery now (sets the wake-up flags otherwise) */
    boolean open() {
        return !noDemand() && !windowFull();
    }

    @Override
    public String toString() {
        return "emitted=" + emitted + ", requested=" + requested.get();
    }
}
