package io.sluice.overflow;

import reactor.core.CoreSubscriber;

/**
 * Drop-newest (Go channel semantics): when {@code capacity} elements are buffered, the incoming
 * element is dropped and the buffered ones are kept. The queue discipline is
 * {@link SpscOverflowSubscriber}'s; a dropped element does not run the drain loop (nothing changed
 * for the consumer).
 */
final class DropNewestSubscriber<T> extends SpscOverflowSubscriber<T> {

    DropNewestSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
    }

    @Override
    boolean enqueue(T element) {
        if (store(element)) {
            return true;
        }
        drop(element);
        return false;
    }
}
