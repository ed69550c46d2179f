package io.sluice.overflow;

import java.util.function.Function;
import java.util.function.ToLongFunction;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;

/**
 * Priority: delivers the highest priority first, FIFO among equal priorities; when {@code capacity}
 * elements are buffered, the lowest-priority element is evicted (the incoming one when it is the
 * lowest), and with a key an element merges into the buffered one with the same key. The buffer is
 * a {@link PriorityBuffer}.
 *
 * <h2>Why a lock here when the other stages are lock-free</h2>
 * An offer has to compare the incoming element with the lowest buffered one, evict it or reject the
 * incoming one, and (keyed) look up and re-rank a held entry: several steps over a structure that
 * the drain loop changes at the same time with each poll. No JDK or JCTools structure does these
 * atomically (see {@link PriorityBuffer}), so the producer ({@code onNext}, serial) and the drain
 * loop (serial by the WIP counter) each take one short monitor per element: at most two threads ever
 * contend, and every critical section is O(log capacity) with no callbacks inside (the drop hooks
 * run after the lock is released). {@code count} mirrors the size for the lock-free fast path of
 * {@link OverflowSubscriber#onNext} and for gauges.
 *
 * <p>Everything else (demand, terminal signals, cancel discarding the rest, the fast path that hands
 * an element straight downstream when nothing is buffered and demand is outstanding) is the shared
 * drain loop of {@link OverflowSubscriber}. A priority or key function that throws cancels
 * upstream; the stage then fails after delivering what it buffered.
 */
final class PrioritySubscriber<T> extends OverflowSubscriber<T> {

    private final PriorityBuffer<T> buffer;
    private final ToLongFunction<? super T> priority;
    private final Function<? super T, ?> key;
    private final Object lock = new Object();
    private volatile int count;

    PrioritySubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        PrioritySpec<T> spec = policy.prioritySpec();
        this.buffer = new PriorityBuffer<>(capacity, spec.merge());
        this.priority = spec.priority();
        this.key = spec.key();
    }

    @Override
    boolean enqueue(T element) {
        long p;
        Object k;
        try {
            p = priority.applyAsLong(element);
            k = key == null ? null : key.apply(element);
        } catch (Throwable t) {
            Exceptions.throwIfFatal(t);
            Operators.onDiscard(element, context);
            failAfterDrain(Operators.onOperatorError(upstream, t, element, context));
            return true;
        }
        PriorityBuffer.Outcome outcome;
        T displaced;
        synchronized (lock) {
            outcome = buffer.offer(element, p, k);
            displaced = buffer.displaced();
            count = buffer.size();
        }
        switch (outcome) {
            case STORED:
                return true;
            case EVICTED:
                drop(displaced);
                return true;
            case REJECTED:
                drop(displaced);
                return false;
            default:
                // MERGED: same number of elements, possibly a new order; nothing new to deliver
                policy.merge(displaced, context);
                return false;
        }
    }

    @Override
    T poll() {
        if (count == 0) {
            return null;
        }
        synchronized (lock) {
            T v = buffer.poll();
            count = buffer.size();
            return v;
        }
    }

    @Override
    boolean isEmpty() {
        return count == 0;
    }

    @Override
    int size() {
        return count;
    }
}
