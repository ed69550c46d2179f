package io.sluice.overflow;

/**
 * One of {@link PriorityBuffer}'s two indexed binary heaps over the same entries: the max-heap (root =
 * next to deliver) or the min-heap (root = next to evict). Not thread-safe (the buffer's lock guards it).
 *
 * <p>Each slot keeps its entry's ordering key next to the entry reference, in one {@code long[]}
 * ({@code keys[2i]}, {@code keys[2i + 1]}), so sifting compares the keys of both children from one
 * or two adjacent cache lines instead of dereferencing two entries scattered over the Java heap
 * (the cost that dominated {@code NEXT} on a backlog of 100,000 items). The min-heap stores the
 * bitwise complement of priority and sequence number ({@code ~x} reverses the order of every
 * {@code long} without overflow), so both heaps use the same comparison: a slot sits above another
 * when its first key is greater, or equal with a smaller second key.
 *
 * @param <T> element type
 */
final class PriorityHeap<T> {

    /** One held element: its priority, arrival sequence number, key, and index in each heap. */
    static final class Entry<T> {
        final T element;
        final Object key;
        final long seq;
        long priority;
        int hi;
        int lo;

        Entry(T element, long priority, long seq, Object key) {
            this.element = element;
            this.priority = priority;
            this.seq = seq;
            this.key = key;
        }
    }

    private final Entry<T>[] refs;
    private final long[] keys;
    private final boolean max;

    @SuppressWarnings("unchecked")
    PriorityHeap(int capacity, boolean max) {
        this.refs = (Entry<T>[]) new Entry[capacity];
        this.keys = new long[2 * capacity];
        this.max = max;
    }

    /** @return the root entry (the heap must not be empty) */
    Entry<T> root() {
        return refs[0];
    }

    /** @return the first {@code n} entries, in heap order (a copy) */
    Entry<T>[] copy(int n) {
        return java.util.Arrays.copyOf(refs, n);
    }

    /**
     * Adds {@code e} as the {@code n}th entry (heap size before the add) and sifts it up.
     *
     * @param e the entry
     * @param n the size before the add
     */
    void add(Entry<T> e, int n) {
        place(n, e, first(e), second(e));
        up(n);
    }

    /**
     * Removes the entry at {@code i}; {@code last} is the index of the last entry (size - 1).
     *
     * @param i index of the entry to remove
     * @param last index of the last entry
     */
    void removeAt(int i, int last) {
        Entry<T> moved = refs[last];
        long k = keys[2 * last];
        long s = keys[2 * last + 1];
        refs[last] = null;
        if (i == last) {
            return;
        }
        place(i, moved, k, s);
        down(i, last);
        if (refs[i] == moved) {
            up(i);
        }
    }

    /**
     * Re-sorts {@code e} after its priority changed.
     *
     * @param e the entry
     * @param n the heap size
     */
    void update(Entry<T> e, int n) {
        int i = index(e);
        keys[2 * i] = first(e);
        up(i);
        down(index(e), n);
    }

    /** @return the index of {@code e} in this heap */
    int index(Entry<T> e) {
        return max ? e.hi : e.lo;
    }

    private long first(Entry<T> e) {
        return max ? e.priority : ~e.priority;
    }

    private long second(Entry<T> e) {
        return max ? e.seq : ~e.seq;
    }

    private void place(int i, Entry<T> e, long k, long s) {
        refs[i] = e;
        keys[2 * i] = k;
        keys[2 * i + 1] = s;
        if (max) {
            e.hi = i;
        } else {
            e.lo = i;
        }
    }

    private void up(int i) {
        Entry<T> e = refs[i];
        long k = keys[2 * i];
        long s = keys[2 * i + 1];
        long[] ks = keys;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            long pk = ks[2 * parent];
            long ps = ks[2 * parent + 1];
            if (!(k > pk || (k == pk && s < ps))) {
                break;
            }
            place(i, refs[parent], pk, ps);
            i = parent;
        }
        place(i, e, k, s);
    }

    private void down(int i, int n) {
        Entry<T> e = refs[i];
        long k = keys[2 * i];
        long s = keys[2 * i + 1];
        long[] ks = keys;
        int half = n >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            long ck = ks[2 * child];
            long cs = ks[2 * child + 1];
            int right = child + 1;
            if (right < n) {
                long rk = ks[2 * right];
                long rs = ks[2 * right + 1];
                if (rk > ck || (rk == ck && rs < cs)) {
                    child = right;
                    ck = rk;
                    cs = rs;
                }
            }
            if (!(ck > k || (ck == k && cs < s))) {
                break;
            }
            place(i, refs[child], ck, cs);
            i = child;
        }
        place(i, e, k, s);
    }
}
