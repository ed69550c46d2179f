package io.sluice.overflow;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jctools.queues.SpmcArrayQueue;
import reactor.core.CoreSubscriber;

/**
 * Overwrite-oldest (ring buffer): when {@code capacity} elements are buffered, the oldest buffered
 * element is discarded to make room, so consumers always see the newest {@code capacity} elements.
 *
 * <h2>Algorithm</h2>
 * Two threads may remove elements: the drain loop (delivery) and the producer (eviction). They use
 * a JCTools {@link SpmcArrayQueue} (single producer, multiple consumers; removal by CAS on the
 * consumer index) plus a logical element count {@code count}, which is the only thing the two
 * sides race on:
 * <ul>
 *   <li><b>Producer</b> ({@code onNext}, serial): while {@code count == capacity}, try to CAS it to
 *       {@code capacity - 1}; on success it owns one element and polls it from the queue (the oldest
 *       at that moment) and hands it to the drop hook. Then it offers the new element and
 *       increments {@code count}.</li>
 *   <li><b>Consumer</b> (drain loop): while {@code count > 0}, CAS it down by one; on success it owns
 *       one element and polls it.</li>
 * </ul>
 * <h2>Why it is correct when the producer overwrites while the consumer polls</h2>
 * Every removal first wins a CAS on {@code count}, so the number of removals never exceeds the
 * number of elements counted in, and an element is counted only after its {@code offer} completed
 * (the increment is a volatile write after the queue's ordered store): a winner always finds an
 * element, and the queue's own CAS on its consumer index gives each element to exactly one
 * remover. So every element is delivered once or dropped once, never both. Eviction happens only
 * when the CAS saw {@code count == capacity}; if the consumer removed an element first, the
 * producer's CAS fails, it re-reads {@code count}, sees room and evicts nothing, so the newest
 * {@code capacity} elements are never evicted. The queue is FIFO and the drain loop polls serially,
 * so delivery order is production order. Physical occupancy is at most {@code capacity + 1} (the
 * logical count plus one element the consumer has claimed but not yet polled), which is what the
 * queue is sized for, so {@code offer} cannot fail. No lock anywhere: both sides are CAS loops.
 */
final class OverwriteOldestSubscriber<T> extends OverflowSubscriber<T> {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<OverwriteOldestSubscriber> COUNT =
            AtomicIntegerFieldUpdater.newUpdater(OverwriteOldestSubscriber.class, "count");

    private final SpmcArrayQueue<T> queue;
    private volatile int count;

    OverwriteOldestSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        this.queue = new SpmcArrayQueue<>(capacity + 1);
    }

    @Override
    void enqueue(T element) {
        for (;;) {
            int c = count;
            if (c < capacity) {
                break;
            }
            if (COUNT.compareAndSet(this, c, c - 1)) {
                policy.drop(takeClaimed(), context);
                break;
            }
        }
        if (!queue.offer(element)) {
            // Cannot happen (see class doc); fail loudly rather than lose the element silently.
            policy.drop(element, context);
            failAfterDrain(new IllegalStateException("overwrite-oldest queue invariant violated in '"
                    + policy.name() + "'"));
            return;
        }
        COUNT.incrementAndGet(this);
    }

    @Override
    T poll() {
        for (;;) {
            int c = count;
            if (c == 0) {
                return null;
            }
            if (COUNT.compareAndSet(this, c, c - 1)) {
                return takeClaimed();
            }
        }
    }

    /** Polls an element this thread owns through a successful CAS on {@code count}. */
    private T takeClaimed() {
        T v;
        while ((v = queue.poll()) == null) {
            Thread.onSpinWait();
        }
        return v;
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
