package io.sluice.overflow;

import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Bottom layer of the overflow stages: the state of one subscription, and what works on it without
 * running the drain loop. That is Reactor's introspection ({@link Scannable}), the output-fusion
 * entry points, and the policy actions a subclass's {@code enqueue} calls (drop, overflow, fail
 * after the drain). The Reactive Streams signals and the drain loop are {@link OverflowSubscriber},
 * the layer above; the buffers are its subclasses.
 *
 * <p>Every instance field of a stage's common part is declared here, in one class and in one order,
 * including the ones only the drain loop uses ({@code behind}, {@code terminated}, {@code wip},
 * {@code requested}, {@code produced}), in the order they had when this and the drain loop were one
 * class, and {@code OverflowSubscriber} declares none: the object layout (which fields share a cache
 * line) is unchanged (JOL: same offsets). Fields in lower layers, logic above, as in JCTools.
 *
 * <p>Output fusion (Reactor's {@code ASYNC} mode, offered only by a subclass whose buffer may be
 * taken from by any thread, see {@link #fusable()}): a downstream operator such as
 * {@code publishOn} that asks for it polls this stage's buffer itself, instead of this stage
 * copying every element into the downstream's own queue. The producer then stores each element
 * and signals {@code onNext(null)}; there is no drain loop, downstream demand is the downstream's
 * business, and on cancel the downstream calls {@code clear()}, which discards the buffer.
 */
abstract class OverflowState<T> implements CoreSubscriber<T>, Subscription, Scannable {

    final CoreSubscriber<? super T> actual;
    final OverflowPolicy<T> policy;
    final int capacity;
    final Context context;

    Subscription upstream;
    /** Set by {@link #overflow}: later elements are overflow drops too. Producer side only. */
    private boolean overflowed;
    /**
     * The last element was not stored, or stored behind an older one
     * ({@link OverflowSubscriber#enqueue} returned false): the buffer was not empty, so the next
     * element skips the fast path's probe (which reads {@code wip} and the buffer's indices, cache
     * lines the consumer writes) and goes straight to {@code enqueue}. The probe is only an
     * optimisation; skipping it is always correct. Producer side only.
     */
    boolean behind;
    /** The producer thread's drop counter cell (see {@link DropCounts}); producer side only. */
    private DropCounts.Cell dropCell;
    volatile boolean done;
    Throwable error;
    volatile boolean cancelled;
    /** The terminal signal went downstream. Drain loop only. */
    boolean terminated;
    /** The drain loop's work-in-progress counter (CAS'd through {@code OverflowSubscriber.WIP}). */
    volatile int wip;
    /** Everything downstream ever requested, capped at Long.MAX_VALUE (= unbounded). */
    volatile long requested;
    /**
     * Everything delivered downstream. Written only by the thread owning the drain loop (the WIP
     * counter orders successive owners), so no atomic update per element; demand outstanding is
     * {@code requested - produced}.
     */
    long produced;
    /** Downstream polls the buffer (ASYNC fusion); set once in {@code onSubscribe}, before any element. */
    boolean outputFused;

    OverflowState(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        this.actual = actual;
        this.policy = policy;
        this.capacity = policy.capacity();
        this.context = actual.currentContext();
    }

    /** Consumer side: the oldest buffered element, or null when empty. */
    abstract T poll();

    /** @return true when nothing is buffered */
    abstract boolean isEmpty();

    /** @return the number of buffered elements (a snapshot) */
    abstract int size();

    /**
     * @return true if downstream may poll the buffer directly (Reactor ASYNC fusion): the
     *     subclass's {@link #poll()} and its {@code clear()} are safe from any thread, concurrently
     *     with each other and with {@link OverflowSubscriber#enqueue}
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

    /** Producer side: stop taking elements and signal {@code failure} after the buffer drained. */
    final void failAfterDrain(Throwable failure) {
        upstream.cancel();
        error = failure;
        done = true;
    }

    /** Consumer side (the drain loop's owner, or a fused downstream clearing): discards the buffer. */
    final void discardAll() {
        T v;
        while ((v = poll()) != null) {
            policy.discard(v, context);
        }
    }

    @Override
    public Context currentContext() {
        return context;
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
