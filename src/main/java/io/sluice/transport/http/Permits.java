package io.sluice.transport.http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Asynchronous counting semaphore bounding the messages of an {@link HttpSource} that are being
 * read or wait in its hand-off. A request acquires a {@link Permit} before its body is read and
 * waits for one without blocking a thread; waiters are served first come, first served. A waiter
 * that gets no permit within the wait, or that is cancelled, leaves the queue; a permit granted to
 * a cancelled waiter is given back.
 */
final class Permits {

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final Scheduler timer = Schedulers.parallel();
    private int available;
    private boolean closed;

    Permits(int n) {
        this.available = n;
    }

    /**
     * @param wait how long to wait for a permit; zero: only take one that is free now
     * @return a permit, or {@link Permit#NONE} when none became free within {@code wait}
     */
    Mono<Permit> acquire(Duration wait) {
        return Mono.create(sink -> {
            Waiter w = new Waiter(sink);
            sink.onCancel(() -> cancel(w));
            Permit now = null;
            synchronized (this) {
                if (w.state == Waiter.CANCELLED) {
                    return; // cancelled during subscribe: take nothing, queue nothing
                }
                if (closed) {
                    now = Permit.NONE;
                    w.state = Waiter.EXPIRED;
                } else if (available > 0) {
                    available--;
                    now = w.grant(new Permit(this));
                } else if (wait.isZero() || wait.isNegative()) {
                    now = Permit.NONE;
                    w.state = Waiter.EXPIRED;
                } else {
                    waiters.add(w);
                    w.timeout = timer.schedule(() -> expire(w), wait.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
            if (now != null) {
                sink.success(now);
            }
        });
    }

    /**
     * Takes a permit if one is free now (then nobody waits: a released permit goes to a waiter
     * first), without setting up a wait.
     *
     * @return the permit, or null when none is free or the permits are closed (then use {@link #acquire})
     */
    synchronized Permit tryAcquire() {
        if (closed || available <= 0) {
            return null;
        }
        available--;
        return new Permit(this);
    }

    /** @return permits free now (a snapshot, for tests and diagnostics) */
    synchronized int available() {
        return available;
    }

    /** @return requests waiting for a permit now (a snapshot, for tests and diagnostics) */
    synchronized int waiting() {
        return waiters.size();
    }

    /**
     * Refuses every waiting and future request ({@link Permit#NONE}) when the source stops
     * accepting; permits already granted stay valid.
     */
    void close() {
        java.util.List<Waiter> refused;
        synchronized (this) {
            closed = true;
            refused = new java.util.ArrayList<>(waiters);
            waiters.clear();
            refused.forEach(w -> w.state = Waiter.EXPIRED);
        }
        for (Waiter w : refused) {
            w.timeout.dispose();
            w.sink.success(Permit.NONE);
        }
    }

    /** Gives a permit back: to the oldest waiter if there is one. */
    void release() {
        Waiter w;
        Permit p;
        synchronized (this) {
            do {
                w = waiters.poll();
            } while (w != null && w.state != Waiter.WAITING);
            if (w == null) {
                available++;
                return;
            }
            p = w.grant(new Permit(this));
        }
        w.timeout.dispose();
        w.sink.success(p);
    }

    private void expire(Waiter w) {
        synchronized (this) {
            if (w.state != Waiter.WAITING) {
                return;
            }
            w.state = Waiter.EXPIRED;
            waiters.remove(w);
        }
        w.sink.success(Permit.NONE);
    }

    private void cancel(Waiter w) {
        Permit granted;
        synchronized (this) {
            if (w.state == Waiter.WAITING) {
                w.state = Waiter.CANCELLED;
                waiters.remove(w);
                granted = null;
            } else {
                granted = w.granted;
            }
            if (w.timeout != null) {
                w.timeout.dispose();
            }
        }
        if (granted != null) {
            granted.release();
        }
    }

    /** A request waiting for a permit; its state changes only under the {@link Permits} lock. */
    private static final class Waiter {
        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int EXPIRED = 2;
        static final int CANCELLED = 3;

        final MonoSink<Permit> sink;
        int state = WAITING;
        Permit granted;
        Disposable timeout;

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }

        Permit grant(Permit p) {
            state = GRANTED;
            granted = p;
            return p;
        }
    }

    /**
     * One unit of room. Held by the request while its body is read; {@link #transfer() transferred}
     * to the hand-off with the message, which gives it back once the pipeline took the message.
     * Giving it back is idempotent: whichever of the holder's paths runs first releases it.
     */
    static final class Permit {
        /** No permit: the request waited in vain. */
        static final Permit NONE = new Permit(null);

        private static final int HELD = 0;
        private static final int HANDED = 1;
        private static final int RELEASED = 2;

        private final Permits owner;
        private final AtomicInteger state = new AtomicInteger(HELD);

        private Permit(Permits owner) {
            this.owner = owner;
        }

        /** @return true for a real permit, false for {@link #NONE} */
        boolean granted() {
            return owner != null;
        }

        /** The holder gives it back, unless it was transferred to the hand-off. */
        void release() {
            if (owner != null && state.compareAndSet(HELD, RELEASED)) {
                owner.release();
            }
        }

        /** Hands the permit over with the message: only {@link #releaseTaken()} gives it back now. */
        void transfer() {
            state.compareAndSet(HELD, HANDED);
        }

        /** The hand-off gives it back: the pipeline took the message (or the hand-off was cleared). */
        void releaseTaken() {
            if (owner != null && state.compareAndSet(HANDED, RELEASED)) {
                owner.release();
            }
        }
    }
}
