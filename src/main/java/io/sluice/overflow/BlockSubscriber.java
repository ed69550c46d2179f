package io.sluice.overflow;

import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;

/**
 * Block (lossless): requests {@code capacity} elements from upstream, then replenishes in batches
 * of {@code capacity - capacity/4} as the drain loop delivers them (the prefetch / limit-rate
 * scheme of reactor-core), so at most {@code capacity} elements are ever outstanding and a slow
 * consumer slows the producer down. An upstream that emits more than it was asked for breaks the
 * Reactive Streams contract: the first excess element is dropped like any other discarded element
 * (counted in {@link OverflowPolicy#dropped()}, handed once to the {@code onDrop} hook and to
 * Reactor's discard hook, published as a {@code Dropped} event with policy {@code block}), upstream
 * is cancelled, and the stage fails with Reactor's overflow exception once the buffered elements
 * have been delivered. Elements such an upstream still emits after that are dropped the same way.
 * The queue discipline is {@link SpscOverflowSubscriber}'s.
 */
final class BlockSubscriber<T> extends SpscOverflowSubscriber<T> {

    private final int limit;
    /** Delivered since the last replenishing request to upstream. */
    private long sinceRequest;

    BlockSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        this.limit = capacity - (capacity >> 2);
    }

    @Override
    long initialRequest() {
        return capacity;
    }

    @Override
    boolean enqueue(T element) {
        if (!store(element)) {
            overflow(element, () -> Operators.onOperatorError(upstream,
                    Exceptions.failWithOverflow("upstream emitted more than requested to block stage '"
                            + policy.name() + "'"), element, context));
        }
        return true;
    }

    @Override
    void emitted(long n) {
        long p = sinceRequest + n;
        if (p >= limit) {
            sinceRequest = 0L;
            upstream.request(p);
        } else {
            sinceRequest = p;
        }
    }
}
