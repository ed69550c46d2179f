package io.sluice.overflow;

/**
 * One of {@link PriorityBuffer}'s two indexed 4-ary heaps over the same slots: the max-heap (root =
 * next to deliver) or the min-heap (root = next to evict). Not thread-safe (the buffer's lock guards it).
 *
 * <p>The heap holds no object references, only primitive arrays: per heap position the slot number
 * of the entry there and its ordering key ({@code keys[2i]}, {@code keys[2i + 1]}), and per slot its
 * position. A sift therefore compares the children's keys from adjacent memory and
 * never dereferences an entry scattered over the Java heap, nor stores a reference (no GC write
 * barrier): those were what dominated {@code NEXT} on a backlog of 100,000 items. Four children per
 * position instead of two halve the depth (9 levels instead of 17 for 100,000 items), so a removal
 * sifts through half as many levels, whose four children's keys are 64 adjacent bytes. The min-heap
 * stores the bitwise complement of priority and sequence number ({@code ~x} reverses the order of
 * every {@code long} without overflow), so both heaps use the same comparison: a position sits above
 * another when its first key is greater, or equal with a smaller second key.
 */
final class PriorityHeap {

    /** Children per position: position i's are 4i+1 .. 4i+4, its parent (i-1)/4. */
    private static final int ARITY = 4;

    private final int[] slots;
    private final long[] keys;
    private final int[] pos;
    private final boolean max;

    /**
     * @param capacity most entries, and the number of slots
     * @param max true for the max-heap, false for the min-heap
     */
    PriorityHeap(int capacity, boolean max) {
        this.slots = new int[capacity];
        this.keys = new long[2 * capacity];
        this.pos = new int[capacity];
        this.max = max;
    }

    /** @return the slot at the root (the heap must not be empty) */
    int root() {
        return slots[0];
    }

    /**
     * @param i a heap position below the size
     * @return the slot there
     */
    int slotAt(int i) {
        return slots[i];
    }

    /**
     * Adds {@code slot} as the {@code n}th entry (heap size before the add) and sifts it up.
     *
     * @param slot the entry's slot
     * @param priority its priority
     * @param seq its arrival sequence number
     * @param n the size before the add
     */
    void add(int slot, long priority, long seq, int n) {
        place(n, slot, max ? priority : ~priority, max ? seq : ~seq);
        up(n);
    }

    /**
     * Removes {@code slot}; {@code last} is the position of the last entry (size - 1).
     *
     * @param slot the slot to remove
     * @param last position of the last entry
     */
    void remove(int slot, int last) {
        int i = pos[slot];
        int moved = slots[last];
        long k = keys[2 * last];
        long s = keys[2 * last + 1];
        if (i == last) {
            return;
        }
        place(i, moved, k, s);
        down(i, last);
        if (slots[i] == moved) {
            up(i);
        }
    }

    /**
     * Re-sorts {@code slot} after its priority changed.
     *
     * @param slot the slot
     * @param priority its new priority
     * @param n the heap size
     */
    void update(int slot, long priority, int n) {
        int i = pos[slot];
        keys[2 * i] = max ? priority : ~priority;
        up(i);
        down(pos[slot], n);
    }

    private void place(int i, int slot, long k, long s) {
        slots[i] = slot;
        keys[2 * i] = k;
        keys[2 * i + 1] = s;
        pos[slot] = i;
    }

    private void up(int i) {
        int e = slots[i];
        long k = keys[2 * i];
        long s = keys[2 * i + 1];
        long[] ks = keys;
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            long pk = ks[2 * parent];
            long ps = ks[2 * parent + 1];
            if (!(k > pk || (k == pk && s < ps))) {
                break;
            }
            place(i, slots[parent], pk, ps);
            i = parent;
        }
        place(i, e, k, s);
    }

    private void down(int i, int n) {
        if (n < 2) {
            return;
        }
        int e = slots[i];
        long k = keys[2 * i];
        long s = keys[2 * i + 1];
        long[] ks = keys;
        int lastParent = (n - 2) >>> 2; // parent of position n - 1; no int overflow for any n
        while (i <= lastParent) {
            int first = 4 * i + 1;
            int end = Math.min(first + ARITY, n);
            int child = first;
            long ck = ks[2 * first];
            long cs = ks[2 * first + 1];
            for (int c = first + 1; c < end; c++) {
                long rk = ks[2 * c];
                long rs = ks[2 * c + 1];
                if (rk > ck || (rk == ck && rs < cs)) {
                    child = c;
                    ck = rk;
                    cs = rs;
                }
            }
            if (!(ck > k || (ck == k && cs < s))) {
                break;
            }
            place(i, slots[child], ck, cs);
            i = child;
        }
        place(i, e, k, s);
    }
}
