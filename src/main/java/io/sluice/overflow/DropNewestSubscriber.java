package io.sluice.overflow;

import org.jctools.queues.SpscArrayQueue;
import reactor.core.CoreSubscriber;

/**
 * Drop-newest (Go channel semantics): when {@code capacity} elements are buffered, the incoming
 * element is dropped and the buffered ones are kept.
 *
 * <p>Algorithm: a JCTools {@link SpscArrayQueue}. The single producer is {@code onNext} (serial by
 * Reactive Streams rule 1.3); the single consumer is the drain loop (serial by the WIP counter).
 * The queue rounds its size up to a power of two; when that equals {@code capacity}, a failed
 * {@code offer} is exactly "full". Otherwise the producer first checks {@code size() >= capacity}:
 * only the producer increases the size, so the size can only shrink between that check and the
 * {@code offer}, and the buffer never holds more than {@code capacity} elements. No lock is taken;
 * each element is either offered (and later delivered or discarded on cancel) or dropped, once.
 */
final class DropNewestSubscriber<T> extends OverflowSubscriber<T> {

    private final SpscArrayQueue<T> queue;
    private final boolean exactFit;

    DropNewestSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        this.queue = new SpscArrayQueue<>(capacity);
        this.exactFit = queue.capacity() == capacity;
    }

    @Override
    boolean enqueue(T element) {
        if (exactFit ? !queue.offer(element) : (queue.size() >= capacity || !queue.offer(element))) {
            policy.drop(element, context);
            return false;
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
