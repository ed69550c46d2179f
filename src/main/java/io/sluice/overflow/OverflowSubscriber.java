package io.sluice.overflow;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Common part of the overflow stages: the Reactive Streams plumbing and the drain loop.
 *
 * <p>The producer side ({@link #onNext}) hands each element to {@link #enqueue}, which either stores
 * it or applies the policy (drop, overwrite, fail), then calls {@link #drain()} unless the element
 * was simply dropped (nothing changed for the consumer). Fast path: when no other thread is
 * draining ({@code wip} moves from 0 to 1 by CAS), nothing is buffered and downstream demand is
 * outstanding, {@code onNext} hands the element straight downstream, as the drain loop would; it
 * then releases {@code wip} and runs the loop only if another thread signalled meanwhile. Demand is
 * tracked as the total requested (atomic add, capped) minus the total delivered ({@code produced},
 * a plain field written only by the drain owner), so delivery costs no atomic update. The consumer side
 * is the drain loop, serialised by the work-in-progress counter {@code wip} (the "missed" pattern
 * of reactor-core): whichever thread moves {@code wip} from 0 runs the loop and loops again while
 * other threads signalled in the meantime, so exactly one thread runs {@link #poll()} for delivery
 * at any time. The loop emits at most {@code requested} elements, delivers the terminal signal only
 * once the buffer is empty, and on cancel hands every buffered element to the discard hook.
 * Because every {@code enqueue} that stores an element is followed by a {@code drain()} (or stored
 * it behind an older element that a later loop pass must claim, see {@link #enqueue}), an element
 * enqueued concurrently with a cancel is still discarded by the loop that runs after it: nothing
 * leaks.
 *
 * <p>Output fusion (Reactor's {@code ASYNC} mode, offered only by a subclass whose buffer may be
 * taken from by any thread, see {@link #fusable()}): a downstream operator such as
 * {@code publishOn} that asks for it polls this stage's buffer itself, instead of this stage
 * copying every element into the downstream's own queue. The producer then stores each element
 * and signals {@code onNext(null)}; there is no drain loop, downstream demand is the downstream's
 * business, and on cancel the downstream calls {@code clear()}, which discards the buffer.
 */
abstract class OverflowSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<OverflowSubscriber> WIP =
            AtomicIntegerFieldUpdater.newUpdater(OverflowSubscriber.class, "wip");
    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<OverflowSubscriber> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(OverflowSubscriber.class, "requested");

    final CoreSubscriber<? super T> actual;
    final OverflowPolicy<T> policy;
    final int capacity;
    final Context context;

    Subscription upstream;
    /** Set by {@link #overflow}: later elements are overflow drops too. Producer side only. */
    private boolean overflowed;
    /**
     * The last element was not stored, or stored behind an older one ({@link #enqueue} returned
     * false): the buffer was not empty, so the next element skips the fast path's probe (which
     * reads {@code wip} and the buffer's indices, cache lines the consumer writes) and goes
     * straight to {@link #enqueue}. The probe is only an optimisation; skipping it is always
     * correct. Producer side only.
     */
    private boolean behind;
    /** The producer thread's drop counter cell (see {@link DropCounts}); producer side only. */
    private DropCounts.Cell dropCell;
    volatile boolean done;
    Throwable error;
    volatile boolean cancelled;
    private boolean terminated;
    private volatile int wip;
    /** Everything downstream ever requested, capped at Long.MAX_VALUE (= unbounded). */
    private volatile long requested;
    /**
     * Everything delivered downstream. Written only by the thread owning the drain loop (the WIP
     * counter orders successive owners), so no atomic update per element; demand outstanding is
     * {@code requested - produced}.
     */
    private long produced;
    /** Downstream polls the buffer (ASYNC fusion); set once in {@code onSubscribe}, before any element. */
    boolean outputFused;

    OverflowSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        this.actual = actual;
        this.policy = policy;
        this.capacity = policy.capacity();
        this.context = actual.currentContext();
    }

    /**
     * Producer side: store {@code element} or apply the policy. Called serially (Reactive Streams
     * rule 1.3), never concurrently with itself.
     *
     * @return true when the drain loop must run (or, fused, downstream be signalled): the element
     *     was stored, or the stage must now terminate; false when the element was dropped and
     *     nothing else changed, or (a subclass whose takes are all claims on one word, see
     *     {@link OverwriteOldestSubscriber}) it was stored behind an older element still unclaimed,
     *     whose claimer will see it
     */
    abstract boolean enqueue(T element);

    /** Consumer side: the oldest buffered element, or null when empty. */
    abstract T poll();

    /** @return true when nothing is buffered */
    abstract boolean isEmpty();

    /** @return the number of buffered elements (a snapshot) */
    abstract int size();

    /**
     * @return true if downstream may poll the buffer directly (Reactor ASYNC fusion): the
     *     subclass's {@link #poll()} and its {@code clear()} are safe from any thread, concurrently
     *     with each other and with {@link #enqueue}
     */
    boolean fusable() {
        return false;
    }

    /**
     * The fused mode's consumer side for a downstream that polls: called by a subclass that is a
     * {@code QueueSubscription}.
     *
     * @param requestedMode the modes downstream accepts ({@code Fuseable} flags)
     * @return {@code ASYNC} when {@link #fusable()} and downstream accepts it, else {@code NONE}
     */
    final int fuse(int requestedMode) {
        if (fusable() && (requestedMode & reactor.core.Fuseable.ASYNC) != 0) {
            outputFused = true;
            return reactor.core.Fuseable.ASYNC;
        }
        return reactor.core.Fuseable.NONE;
    }

    /** Fused mode, downstream's {@code clear()}: discards the buffer and ends the subscription. */
    final void fusedClear() {
        discardAll();
        policy.ended(this);
    }

    /** Fused mode: downstream polled an empty buffer; once the stage is done, the subscription has ended. */
    final void fusedEmpty() {
        if (done) {
            policy.ended(this);
        }
    }

    /** @return what to request from upstream on subscribe */
    long initialRequest() {
        return Long.MAX_VALUE;
    }

    /** Called by the drain loop after it emitted {@code n} elements. */
    void emitted(long n) {
    }

    /**
     * Producer side: an overflow drop of {@code element}, counted and reported through the policy.
     * The counter cell is remembered (written only when it changes, so that a drop does not store
     * to this object's fields, which the consumer reads).
     */
    final void drop(T element) {
        DropCounts.Cell c = policy.drop(element, context, dropCell);
        if (c != dropCell) {
            dropCell = c;
        }
    }

    /**
     * An element arriving after this stage stopped taking elements: dropped and counted like the
     * overflow when an {@link #overflow} cancelled upstream (an upstream may still emit a few),
     * else Reactor's "next dropped" hook.
     */
    final void lateElement(T element) {
        if (overflowed) {
            drop(element);
        } else {
            Operators.onNextDropped(element, context);
        }
    }

    /**
     * Producer side: {@code element} does not fit and this stage fails: it is dropped (counted,
     * handed to the hooks), upstream is cancelled, and {@code failure} is signalled once the
     * buffered elements have drained.
     */
    final void overflow(T element, Supplier<Throwable> failure) {
        overflowed = true;
        drop(element);
        failAfterDrain(failure.get());
    }

    @Override
    public Context currentContext() {
        return context;
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(upstream, s)) {
            upstream = s;
            policy.subscribed(this);
            actual.onSubscribe(this);
            s.request(initialRequest());
        }
    }

    @Override
    public void onNext(T element) {
        if (done) {
            lateElement(element);
            return;
        }
        if (cancelled) {
            policy.discard(element, context);
            return;
        }
        if (outputFused) {
            // the downstream polls: store, then wake it (unless enqueue says an older element is
            // still unclaimed: whoever claims it sees this one too). A cancel that raced the store:
            // the downstream clears after its cancel; clearing here too keeps the element from
            // staying buffered whatever the downstream does
            if (enqueue(element)) {
                actual.onNext(null);
            }
            if (cancelled) {
                fusedClear();
            }
            return;
        }
        if (!behind && wip == 0 && isEmpty() && WIP.compareAndSet(this, 0, 1)) {
            // fast path: this thread owns the drain loop; with nothing buffered and demand
            // outstanding the element goes straight downstream, never touching the buffer
            if (!cancelled && produced != requested && isEmpty()) {
                produced++;
                actual.onNext(element);
                emitted(1);
                if (WIP.decrementAndGet(this) == 0) {
                    return;
                }
            } else if (!stored(enqueue(element)) && WIP.decrementAndGet(this) == 0) {
                return;
            }
            drainLoop();
            return;
        }
        if (stored(enqueue(element))) {
            drain();
        }
    }

    /**
     * Remembers {@link #enqueue}'s answer in {@link #behind}, storing to the field only when it
     * changes (the consumer reads fields on the same cache line).
     *
     * @return {@code signal}
     */
    private boolean stored(boolean signal) {
        if (behind == signal) {
            behind = !signal;
        }
        return signal;
    }

    @Override
    public void onError(Throwable t) {
        if (done) {
            Operators.onErrorDropped(t, context);
            return;
        }
        error = t;
        done = true;
        if (outputFused) {
            actual.onError(t);
            return;
        }
        drain();
    }

    @Override
    public void onComplete() {
        if (done) {
            return;
        }
        done = true;
        if (outputFused) {
            actual.onComplete();
            return;
        }
        drain();
    }

    /** Producer side: stop taking elements and signal {@code failure} after the buffer drained. */
    final void failAfterDrain(Throwable failure) {
        upstream.cancel();
        error = failure;
        done = true;
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n) && !outputFused) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        upstream.cancel();
        if (!outputFused) {
            drain();
        }
    }

    final void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        drainLoop();
    }

    /** The drain loop proper; the caller has moved {@code wip} from 0 and owns it. */
    private void drainLoop() {
        int missed = 1;
        for (;;) {
            if (cancelled) {
                discardAll();
                policy.ended(this);
            } else if (!terminated) {
                emitLoop();
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void emitLoop() {
        long r = requested;
        long p = produced;
        long e = p;
        while (e != r) {
            boolean d = done;
            T v = poll();
            if (v == null) {
                if (d) {
                    produced = e;
                    terminate();
                    return;
                }
                break;
            }
            actual.onNext(v);
            e++;
            if (cancelled) {
                produced = e;
                discardAll();
                return;
            }
        }
        produced = e;
        if (e == r && done && isEmpty()) {
            terminate();
            return;
        }
        if (e != p) {
            emitted(e - p);
        }
    }

    private void terminate() {
        terminated = true;
        policy.ended(this);
        Throwable ex = error;
        if (ex != null) {
            actual.onError(ex);
        } else {
            actual.onComplete();
        }
    }

    private void discardAll() {
        T v;
        while ((v = poll()) != null) {
            policy.discard(v, context);
        }
    }

    @Override
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return upstream;
        }
        if (key == Attr.ACTUAL) {
            return actual;
        }
        if (key == Attr.BUFFERED) {
            return size();
        }
        if (key == Attr.CAPACITY) {
            return capacity;
        }
        if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
            long r = requested;
            return r == Long.MAX_VALUE ? r : r - produced;
        }
        if (key == Attr.CANCELLED) {
            return cancelled;
        }
        if (key == Attr.TERMINATED) {
            return done && isEmpty();
        }
        if (key == Attr.ERROR) {
            return error;
        }
        if (key == Attr.NAME) {
            return policy.name();
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.SYNC;
        }
        return null;
    }
}
