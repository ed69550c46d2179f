package io.sluice.overflow;

import org.jctools.queues.SpscArrayQueue;
import reactor.core.CoreSubscriber;

/**
 * Fail: buffers up to {@code capacity} elements; the first element that does not fit is dropped
 * (counted, handed to the hooks), upstream is cancelled, and an {@link OverflowException} is
 * signalled once the buffered elements have been delivered. Elements the upstream still emits
 * after the cancel are dropped and counted too. Same queue discipline as {@link DropNewestSubscriber}.
 */
final class FailSubscriber<T> extends OverflowSubscriber<T> {

    private final SpscArrayQueue<T> queue;
    private final boolean exactFit;

    FailSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        this.queue = new SpscArrayQueue<>(capacity);
        this.exactFit = queue.capacity() == capacity;
    }

    @Override
    boolean enqueue(T element) {
        if (exactFit ? !queue.offer(element) : (queue.size() >= capacity || !queue.offer(element))) {
            overflow(element, () -> new OverflowException(policy.name(), capacity));
        }
        return true;
    }

    @Override
    T poll() {
        return queue.poll();
    }

    @Override
    boolean isEmpty() {
        return queue.isEmpty();
    }

    @Override
    int size() {
        return queue.size();
    }
}
