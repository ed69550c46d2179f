package io.sluice.overflow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;

/**
 * Overwrite-oldest (ring buffer): when {@code capacity} elements are buffered, the oldest buffered
 * element is discarded to make room, so consumers always see the newest {@code capacity} elements.
 *
 * <h2>Algorithm</h2>
 * A ring of {@code P >= capacity + 2} slots (a power of two; sequence {@code s} lives in slot
 * {@code 17 s mod P}, see {@link #slot}) and one 64-bit word {@code state} holding two 31-bit
 * sequence numbers (and the wake-up bit, below): {@code tail} (next sequence to write; only the
 * producer advances it) and {@code head} (next sequence to take). Every change of either is one CAS of the
 * whole word, so the buffer's size {@code tail - head} is always read and changed atomically. Two
 * threads may take elements: the consumer (delivery) and the producer (eviction).
 * <ul>
 *   <li><b>Producer</b> ({@code onNext}, serial): waits until the slot of sequence {@code tail} is
 *       empty (see below), writes the element there, then CASes {@code (head, tail)} to
 *       {@code (head, tail + 1)}, or, when {@code tail - head >= capacity}, to
 *       {@code (head + 1, tail + 1)}: one atomic step publishes the new element and claims the
 *       oldest, which it then takes and hands to the drop hook.</li>
 *   <li><b>Consumer</b>: while {@code head != tail}, CAS {@code (head, tail)} to
 *       {@code (head + 1, tail)}; on success it takes the element of sequence {@code head}.</li>
 * </ul>
 * <h2>Why it is correct when the producer overwrites while the consumer polls</h2>
 * Every take wins a CAS on the same word, so takes are totally ordered and the element a thread gets
 * is fixed by the sequence number it claimed: each element is delivered once or dropped once, never
 * both; delivery follows production order; and the producer evicts only when the ring was full at
 * the instant its element became visible, taking the oldest element then. (A first version claimed
 * a separate count and then polled a JCTools SPMC queue; jcstress showed the claim and the poll
 * could pair up crosswise, so a consumer could receive an element older than one just evicted.
 * JCTools has no take-only-if-full operation, hence this small ring.) An element is visible before
 * its sequence number: the slot store happens before the CAS that publishes {@code tail}, which a
 * taker's CAS reads. A taker empties its slot (release store) after reading it; the producer only
 * writes a slot after it saw it empty. With {@code P >= capacity + 2} the slot the producer writes
 * held a sequence claimed long before, so it spins only when that taker has claimed but not yet
 * emptied it (a few instructions, like JCTools' SPMC offer "bubble"). No lock anywhere.
 *
 * <h2>Wake-ups</h2>
 * A taker that finds the ring empty sets the bit {@code SEEN_EMPTY} of {@code state} (one CAS from
 * the empty state, so it fails if an element arrived meanwhile, and the taker takes that instead)
 * and only then reports empty; the producer's CAS clears the bit, and the producer signals
 * downstream (runs the drain loop, or wakes a fused downstream) only when the state it replaced had
 * the bit set. No element is left without a taker: a consumer pass (the drain loop, or a fused
 * downstream's) ends only when it reports empty (having set the bit: the next element signals and
 * starts or resumes a pass), runs out of demand (a later {@code request} resumes it) or is
 * cancelled (then it clears the ring). A pass that took an element without seeing the ring empty
 * polls again before it ends, so an element stored before it does so needs no signal. Before it
 * reports empty, a fused poller re-reads the state a few times ({@link #SPINS}), so while the
 * producer keeps up the downstream's loop neither ends nor needs a wake-up. So an element costs no
 * wake-up and no access to the downstream's state unless the consumer has run dry: one CAS per
 * element (plus the drop counter for an evicted one, a plain store, see {@link DropCounts}), no
 * other atomic instruction on the producer's side. (jcstress {@code OverwriteOldestWakeUpRace}
 * checks this with publishOn's signal handling modelled.)
 *
 * <h2>Output fusion</h2>
 * Since any number of threads may take (each take is a claim on {@code state}), a downstream that
 * asks for ASYNC fusion (e.g. {@code publishOn}) polls the ring itself, and its {@code clear()} on
 * cancel may run on any thread, even while the producer evicts or another thread clears.
 */
final class OverwriteOldestSubscriber<T> extends OverflowSubscriber<T> implements Fuseable.QueueSubscription<T> {

    private static final VarHandle STATE;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OverwriteOldestSubscriber.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Sequence numbers are 31 bits, wrapping around; the state word's top bit is {@link #SEEN_EMPTY}. */
    private static final int SEQ = 0x7FFF_FFFF;
    /**
     * Set in {@link #state} by a taker that found the ring empty (and so will not take again until
     * signalled); cleared by the producer's next CAS, which then signals. Only ever set while the
     * ring is empty. Initially set: nobody has polled yet, so the first element signals.
     */
    private static final long SEEN_EMPTY = Long.MIN_VALUE;
    /** How often a fused poller that finds the ring empty re-reads it before it reports empty. */
    static final int SPINS = 32;

    private final Object[] ring;
    private final int mask;
    /** Cache-line padding: keeps {@link #state}, written by both threads, off the lines of the fields above. */
    long p01, p02, p03, p04, p05, p06, p07;
    /** {@code tail} in bits 32-62, {@code head} in bits 0-30, {@link #SEEN_EMPTY} in bit 63. */
    private volatile long state = SEEN_EMPTY;
    /** Padding after {@link #state} (the ring and mask, read by both threads, come after it; see JOL). */
    long p11, p12, p13, p14, p15, p16, p17, p18;

    OverwriteOldestSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
        int slots = Integer.highestOneBit(Math.max(4, capacity + 2) - 1) << 1;
        this.ring = new Object[slots];
        this.mask = slots - 1;
    }

    /**
     * The slot of sequence {@code seq}: {@code seq * 17} modulo the ring size, a bijection (17 is odd)
     * that puts consecutive sequences 17 slots (more than one 64-byte cache line of references)
     * apart. When the ring is full the producer evicts the sequence right after the one the consumer
     * has just taken; with adjacent slots both threads wrote the same cache line for every element
     * the consumer took (in a profile, the producer's next atomic instruction waited on that line
     * more than on the CAS itself).
     */
    private int slot(int seq) {
        return (seq * 17) & mask;
    }

    private static int head(long state) {
        return (int) state & SEQ;
    }

    private static int tail(long state) {
        return (int) (state >>> 32) & SEQ;
    }

    /** The state word of {@code head} and {@code tail} (both 31-bit sequences), {@link #SEEN_EMPTY} clear. */
    private static long state(int head, int tail) {
        return ((long) tail << 32) | head;
    }

    /**
     * Stores {@code element}, evicting the oldest when full.
     *
     * @return true when a taker found the ring empty since the previous signal ({@link #SEEN_EMPTY}
     *     was set: downstream must be signalled); false when no taker has seen it empty since (the
     *     one that last took will take again before it reports empty)
     */
    @Override
    boolean enqueue(T element) {
        long s = state;
        int t = tail(s);
        int i = slot(t);
        // the slot held sequence t - P, claimed long ago; its taker may still be emptying it
        while (SLOT.getAcquire(ring, i) != null) {
            Thread.onSpinWait();
        }
        ring[i] = element;
        int nt = (t + 1) & SEQ;
        for (;;) {
            int h = head(s);
            int nh = ((t - h) & SEQ) >= capacity ? (h + 1) & SEQ : h;
            long w = (long) STATE.compareAndExchange(this, s, state(nh, nt));
            if (w == s) {
                if (nh != h) {
                    drop(take(h));
                }
                return s < 0;
            }
            // only the head (a take) or SEEN_EMPTY can have changed: the tail is this thread's
            s = w;
        }
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

    /**
     * Takes the oldest element. On an empty ring, a fused poller (the downstream's drain loop) first
     * re-reads the state up to {@link #SPINS} times (1.1-1.4 us on the 2-core KVM EPYC this was
     * measured on, about what a wake-up costs there) in case the producer is about to store one:
     * the producer then sends no signal and the downstream's loop does not end and need waking.
     * Then it sets {@link #SEEN_EMPTY}, so the next element signals, and reports empty.
     */
    @Override
    public T poll() {
        long s = state;
        int spins = outputFused && !done && !cancelled ? SPINS : 0;
        for (;;) {
            int h = head(s);
            int t = tail(s);
            if (h == t) {
                if (spins > 0 && s >= 0) {
                    spins--;
                    Thread.onSpinWait();
                    s = state;
                    continue;
                }
                long w = s < 0 ? s : (long) STATE.compareAndExchange(this, s, s | SEEN_EMPTY);
                if (w != s) {
                    s = w;
                    continue;
                }
                if (outputFused) {
                    fusedEmpty();
                }
                return null;
            }
            long w = (long) STATE.compareAndExchange(this, s, state((h + 1) & SEQ, t));
            if (w == s) {
                return take(h);
            }
            s = w;
        }
    }

    /** Takes the element of sequence {@code h}, which this thread claimed, and empties its slot. */
    @SuppressWarnings("unchecked")
    private T take(int h) {
        int i = slot(h);
        // written before the CAS that published it, which the claiming CAS followed: never null
        T v = (T) ring[i];
        SLOT.setRelease(ring, i, null);
        return v;
    }

    @Override
    public boolean isEmpty() {
        long s = state;
        return head(s) == tail(s);
    }

    @Override
    public int size() {
        long s = state;
        return (tail(s) - head(s)) & SEQ;
    }
}
