package io.sluice.overflow;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;

/**
 * Overwrite-oldest (ring buffer): when {@code capacity} elements are buffered, the oldest buffered
 * element is discarded to make room, so consumers always see the newest {@code capacity} elements.
 *
 * <h2>Algorithm</h2>
 * A ring of {@code P >= capacity + 2} slots (a power of two) with two sequence numbers: {@code tail}
 * (next slot to write; written only by the producer) and {@code head} (next slot to take). Two
 * threads may take elements: the drain loop (delivery) and the producer (eviction). Taking is a
 * CAS of {@code head} from {@code h} to {@code h + 1}; the winner owns exactly the element of
 * sequence {@code h} and swaps it out of its slot.
 * <ul>
 *   <li><b>Producer</b> ({@code onNext}, serial): while {@code tail - head >= capacity}, CAS
 *       {@code head}; on success it takes the element at the old head, which is by construction
 *       the oldest, and hands it to the drop hook. Then it waits until its target slot is empty
 *       (see below), writes the element and publishes {@code tail + 1} with an ordered store.</li>
 *   <li><b>Consumer</b> (drain loop): while {@code head < tail}, CAS {@code head}; on success it
 *       takes that element.</li>
 * </ul>
 * <h2>Why it is correct when the producer overwrites while the consumer polls</h2>
 * Every take wins a CAS on the same {@code head} counter, so takes are totally ordered and the
 * element a thread gets is fixed by the sequence number it claimed: each element is delivered once
 * or dropped once, never both; delivery follows production order; and the producer evicts only
 * when it saw the ring full at the instant of its CAS, taking the oldest element then. (A first
 * version claimed a separate count and then polled a JCTools SPMC queue; jcstress showed the
 * claim and the poll could pair up crosswise, so a consumer could receive an element older than
 * one just evicted. JCTools has no take-only-if-full operation, hence this small ring.) An element
 * is visible before its sequence number: the slot store happens before the ordered store of
 * {@code tail}, which a taker reads before the slot. A taker empties its slot after reading it; the
 * producer only writes a slot after it was emptied. With at most one outstanding consumer claim,
 * the producer can lap a slot only when the consumer has claimed it but not yet emptied it: then
 * it spins for those few instructions (like JCTools' SPMC offer "bubble"). No lock anywhere.
 * The winner of a claim reads the slot with a volatile load and empties it with a release store
 * (no read-modify-write): the claim already made it the only thread that touches the slot until
 * the producer sees it empty.
 *
 * <h2>Output fusion</h2>
 * Since any number of threads may take (each take is a claim on {@code head}), a downstream that
 * asks for ASYNC fusion (e.g. {@code publishOn}) polls the ring itself, and its {@code clear()} on
 * cancel may run on any thread, even while the producer evicts or another thread clears.
 */
final class OverwriteOldestSubscriber<T> extends OverflowSubscriber<T> implements Fuseable.QueueSubscription<T> {

    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<OverwriteOldestSubscriber> HEAD =
            AtomicLongFieldUpdater.newUpdater(OverwriteOldestSubscriber.class, "head");
    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<OverwriteOldestSubscriber> TAIL =
            AtomicLongFieldUpdater.newUpdater(OverwriteOldestSubscriber.class, "tail");

    private final AtomicReferenceArray<T> ring;
    private final int mask;
    private volatile long head;
    private volatile long tail;

    OverwriteOldestSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        int slots = Integer.highestOneBit(Math.max(4, capacity + 2) - 1) << 1;
        this.ring = new AtomicReferenceArray<>(slots);
        this.mask = slots - 1;
    }

    @Override
    boolean enqueue(T element) {
        long t = tail;
        for (;;) {
            long h = head;
            if (t - h < capacity) {
                break;
            }
            if (HEAD.compareAndSet(this, h, h + 1)) {
                policy.drop(take(h), context);
                break;
            }
        }
        int i = (int) (t & mask);
        while (ring.get(i) != null) {
            Thread.onSpinWait();
        }
        ring.lazySet(i, element);
        TAIL.lazySet(this, t + 1);
        return true;
    }

    @Override
    boolean fusable() {
        return true;
    }

    @Override
    public int requestFusion(int requestedMode) {
        return fuse(requestedMode);
    }

    @Override
    public void clear() {
        fusedClear();
    }

    @Override
    public T poll() {
        for (;;) {
            long h = head;
            if (h >= tail) {
                if (outputFused) {
                    fusedEmpty();
                }
                return null;
            }
            if (HEAD.compareAndSet(this, h, h + 1)) {
                return take(h);
            }
        }
    }

    /** Swaps out the element of sequence {@code h}, which this thread claimed. */
    private T take(long h) {
        int i = (int) (h & mask);
        T v = ring.get(i);
        // seen before tail, which was read after head: never null; the loop is a guard
        while (v == null) {
            Thread.onSpinWait();
            v = ring.get(i);
        }
        ring.lazySet(i, null);
        return v;
    }

    @Override
    public boolean isEmpty() {
        return head >= tail;
    }

    @Override
    public int size() {
        return (int) Math.max(0, tail - head);
    }
}
