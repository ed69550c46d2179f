package io.sluice.overflow;

import reactor.core.CoreSubscriber;

/**
 * Fail: buffers up to {@code capacity} elements; the first element that does not fit is dropped
 * (counted, handed to the hooks), upstream is cancelled, and an {@link OverflowException} is
 * signalled once the buffered elements have been delivered. Elements the upstream still emits
 * after the cancel are dropped and counted too. The queue discipline is
 * {@link SpscOverflowSubscriber}'s.
 */
final class FailSubscriber<T> extends SpscOverflowSubscriber<T> {

    FailSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
    }

    @Override
    boolean enqueue(T element) {
        if (!store(element)) {
            overflow(element, () -> new OverflowException(policy.name(), capacity));
        }
        return true;
    }
}
