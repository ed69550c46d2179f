package io.sluice.overflow;

import org.jctools.queues.SpscArrayQueue;
import reactor.core.CoreSubscriber;

/**
 * Common part of the stages that buffer in a bounded FIFO queue (drop-newest, fail, block): the
 * queue, the producer's "store it if it fits" and the consumer side. The subclasses differ only in
 * what happens to an element that does not fit.
 *
 * <p>Algorithm: a JCTools {@link SpscArrayQueue}. The single producer is {@code onNext} (serial by
 * Reactive Streams rule 1.3); the single consumer is the drain loop (serial by the WIP counter).
 * The queue rounds its size up to a power of two (at least 4); when that equals {@code capacity},
 * a failed {@code offer} is exactly "full". Otherwise the producer first checks
 * {@code size() >= capacity}: only the producer increases the size, so the size can only shrink
 * between that check and the {@code offer}, and the buffer never holds more than {@code capacity}
 * elements. No lock is taken; each element is either stored (and later delivered or discarded on
 * cancel) or handed back to the subclass, once.
 */
abstract class SpscOverflowSubscriber<T> extends OverflowSubscriber<T> {

    private final SpscArrayQueue<T> queue;
    /** The queue holds exactly {@code capacity}: a failed offer means full, no size check needed. */
    private final boolean exactFit;

    SpscOverflowSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        this.queue = new SpscArrayQueue<>(capacity);
        this.exactFit = queue.capacity() == capacity;
    }

    /**
     * Producer side: stores {@code element} if fewer than {@code capacity} elements are buffered.
     *
     * @return true if stored; false if the buffer is full (the element is not stored)
     */
    final boolean store(T element) {
        return exactFit ? queue.offer(element) : queue.size() < capacity && queue.offer(element);
    }

    @Override
    final T poll() {
        return queue.poll();
    }

    @Override
    final boolean isEmpty() {
        return queue.isEmpty();
    }

    @Override
    final int size() {
        return queue.size();
    }
}
