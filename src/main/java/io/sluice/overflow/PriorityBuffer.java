package io.sluice.overflow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.LongBinaryOperator;

/**
 * A bounded priority backlog: the core of {@link Overflow#priority} / {@link Overflow#priorityByKey}
 * and of the RESP {@code priority-queue} sink. Not thread-safe: every user guards it with one lock.
 *
 * <h2>Order</h2>
 * {@link #poll()} takes the highest priority first; among equal priorities the one offered first
 * (FIFO, by an arrival sequence number). When {@code capacity} elements are held, an offer evicts
 * the element that would be delivered <em>last</em> (lowest priority; among equal lowest priorities
 * the newest), unless the incoming element would itself be delivered last (its priority is at most
 * the lowest held), in which case it is rejected. With a key, an offer whose key is already held
 * merges into that entry instead: the held entry keeps its element and arrival position, its
 * priority becomes {@code merge(held, incoming)} (e.g. {@link #saturatedAdd}, Barbershop's
 * {@code UPDATE}), and the incoming element is returned as displaced.
 *
 * <h2>Structure, and why not a JDK or JCTools queue</h2>
 * Two 4-ary heaps over the same entries ({@link PriorityHeap}), each knowing every entry's position:
 * a max-heap (root = next to deliver) and a min-heap (root = next to evict), plus a
 * {@link HashMap} from key to entry when keyed. Each entry has a slot number; the heaps hold slot
 * numbers and the ordering keys (priority, sequence number) in primitive arrays, so a sift reads
 * adjacent memory rather than the scattered entries. Offer, poll, evict and a keyed priority change
 * are O(log n); an entry is one object. A poll removes the highest entry, which is a leaf of the
 * min-heap, so its removal there moves at most one entry a few levels up.
 * {@link java.util.PriorityQueue} has no access to its lowest element and an O(n) {@code remove};
 * {@code ConcurrentSkipListMap} reaches both ends but "evict the lowest unless the incoming one is
 * lower" and "merge into the held key" are several steps that must be atomic together, so a lock
 * is needed anyway (and it allocates several nodes per entry); JCTools has no priority queue.
 *
 * @param <T> element type
 */
public final class PriorityBuffer<T> {

    /** What an {@link #offer} did. */
    public enum Outcome {
        /** Stored; nothing displaced. */
        STORED,
        /** Merged into the held entry with the same key; the incoming element is {@link #displaced()}. */
        MERGED,
        /** Stored after evicting the lowest entry, whose element is {@link #displaced()}. */
        EVICTED,
        /** Not stored: full and the incoming element was the lowest; it is {@link #displaced()}. */
        REJECTED
    }

    /**
     * One held element with its priority, in delivery order (see {@link #entries()}).
     *
     * @param element the element
     * @param priority its current priority
     * @param key its key, or null
     * @param <T> element type
     */
    public record Held<T>(T element, long priority, Object key) {
    }

    private final int capacity;
    private static final class Entry<T> {
        final T element;
        final Object key;
        final long seq;
        final int slot;
        long priority;

        Entry(T element, long priority, long seq, Object key, int slot) {
            this.element = element;
            this.priority = priority;
            this.seq = seq;
            this.key = key;
            this.slot = slot;
        }
    }

    private final PriorityHeap high;
    private final PriorityHeap low;
    /** The held entries by slot (the heaps hold slot numbers only). */
    private final Entry<T>[] bySlot;
    /** Free slots: a stack, {@code freeSlots[0 .. free - 1]}. */
    private final int[] freeSlots;
    private int free;
    private final Map<Object, Entry<T>> byKey;
    private final LongBinaryOperator merge;
    private int size;
    private long nextSeq;
    private T displaced;

    /**
     * @param capacity most elements held, at least 1
     * @param merge for a keyed buffer, combines the held and the incoming priority; null for an
     *     unkeyed buffer (keys passed to {@link #offer} are then ignored)
     */
    @SuppressWarnings("unchecked")
    public PriorityBuffer(int capacity, LongBinaryOperator merge) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
        this.high = new PriorityHeap(capacity, true);
        this.low = new PriorityHeap(capacity, false);
        this.bySlot = (Entry<T>[]) new Entry[capacity];
        this.freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeSlots[i] = capacity - 1 - i;
        }
        this.free = capacity;
        this.merge = merge;
        this.byKey = merge == null ? null : new HashMap<>();
    }

    /**
     * Addition that saturates at {@code Long.MIN_VALUE} / {@code Long.MAX_VALUE} instead of wrapping:
     * the default merge of keyed buffers (Barbershop's {@code UPDATE} raises by the given amount).
     *
     * @param held the held priority
     * @param incoming the incoming priority
     * @return their saturated sum
     */
    public static long saturatedAdd(long held, long incoming) {
        long r = held + incoming;
        if (((held ^ r) & (incoming ^ r)) < 0) {
            return held < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    /**
     * @param element the element, not null
     * @param priority its priority (higher is delivered first)
     * @param key its key for merging, or null (always null-safe; ignored when unkeyed)
     * @return what happened; see {@link #displaced()} for the element pushed out, if any
     */
    public Outcome offer(T element, long priority, Object key) {
        Objects.requireNonNull(element, "element");
        displaced = null;
        Object k = byKey == null ? null : key;
        if (k != null) {
            Entry<T> held = byKey.get(k);
            if (held != null) {
                long p = merge.applyAsLong(held.priority, priority);
                if (p != held.priority) {
                    held.priority = p;
                    reposition(held);
                }
                displaced = element;
                return Outcome.MERGED;
            }
        }
        Outcome outcome = Outcome.STORED;
        if (size == capacity) {
            Entry<T> last = bySlot[low.root()];
            if (priority <= last.priority) {
                displaced = element;
                return Outcome.REJECTED;
            }
            remove(last);
            displaced = last.element;
            outcome = Outcome.EVICTED;
        }
        int slot = freeSlots[--free];
        Entry<T> e = new Entry<>(element, priority, nextSeq++, k, slot);
        bySlot[slot] = e;
        int n = size++;
        high.add(slot, priority, e.seq, n);
        low.add(slot, priority, e.seq, n);
        if (k != null) {
            byKey.put(k, e);
        }
        return outcome;
    }

    /** @return the element the last {@link #offer} displaced (merged, evicted or rejected), or null */
    public T displaced() {
        return displaced;
    }

    /** @return the highest element (removed), or null when empty */
    public T poll() {
        if (size == 0) {
            return null;
        }
        Entry<T> e = bySlot[high.root()];
        remove(e);
        return e.element;
    }

    /** @return the highest element (kept), or null when empty */
    public T peek() {
        return size == 0 ? null : bySlot[high.root()].element;
    }

    /**
     * @param key a key
     * @return the priority of the entry held with that key, if any (keyed buffers only)
     */
    public OptionalLong priorityOf(Object key) {
        Entry<T> e = byKey == null || key == null ? null : byKey.get(key);
        return e == null ? OptionalLong.empty() : OptionalLong.of(e.priority);
    }

    /** @return elements held */
    public int size() {
        return size;
    }

    /** @return most elements held */
    public int capacity() {
        return capacity;
    }

    /** @return the held entries in delivery order (a copy; O(n log n)) */
    public List<Held<T>> entries() {
        @SuppressWarnings("unchecked")
        Entry<T>[] copy = (Entry<T>[]) new Entry[size];
        for (int i = 0; i < size; i++) {
            copy[i] = bySlot[high.slotAt(i)];
        }
        Arrays.sort(copy, (a, b) -> before(a, b) ? -1 : before(b, a) ? 1 : 0);
        List<Held<T>> out = new ArrayList<>(size);
        for (Entry<T> e : copy) {
            out.add(new Held<>(e.element, e.priority, e.key));
        }
        return out;
    }

    /** Delivery order: a before b. */
    private static boolean before(Entry<?> a, Entry<?> b) {
        return a.priority > b.priority || (a.priority == b.priority && a.seq < b.seq);
    }

    private void reposition(Entry<T> e) {
        high.update(e.slot, e.priority, size);
        low.update(e.slot, e.priority, size);
    }

    private void remove(Entry<T> e) {
        int last = size - 1;
        high.remove(e.slot, last);
        low.remove(e.slot, last);
        bySlot[e.slot] = null;
        freeSlots[free++] = e.slot;
        size = last;
        if (e.key != null) {
            byKey.remove(e.key);
        }
    }
}
