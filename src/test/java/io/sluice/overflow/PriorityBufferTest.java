package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link PriorityBuffer} against a plain reference model (a list scanned on every operation), over
 * long random sequences of offers (keyed and not), polls and peeks with small priority ranges so
 * ties, merges, evictions and rejections are frequent.
 */
class PriorityBufferTest {

    /** The obvious O(n) model of the specification. */
    private static final class Model {
        final int capacity;
        final boolean keyed;
        final List<long[]> entries = new ArrayList<>(); // {value, priority, seq, key}
        long seq;

        Model(int capacity, boolean keyed) {
            this.capacity = capacity;
            this.keyed = keyed;
        }

        /** @return {outcome ordinal, displaced value or -1} */
        long[] offer(long value, long priority, long key) {
            if (keyed) {
                for (long[] e : entries) {
                    if (e[3] == key) {
                        e[1] = PriorityBuffer.saturatedAdd(e[1], priority);
                        return new long[] {PriorityBuffer.Outcome.MERGED.ordinal(), value};
                    }
                }
            }
            long outcome = PriorityBuffer.Outcome.STORED.ordinal();
            long displaced = -1;
            if (entries.size() == capacity) {
                long[] last = entries.get(0);
                for (long[] e : entries) {
                    if (e[1] < last[1] || (e[1] == last[1] && e[2] > last[2])) {
                        last = e;
                    }
                }
                if (priority <= last[1]) {
                    return new long[] {PriorityBuffer.Outcome.REJECTED.ordinal(), value};
                }
                entries.remove(last);
                outcome = PriorityBuffer.Outcome.EVICTED.ordinal();
                displaced = last[0];
            }
            entries.add(new long[] {value, priority, seq++, key});
            return new long[] {outcome, displaced};
        }

        long[] best() {
            long[] best = null;
            for (long[] e : entries) {
                if (best == null || e[1] > best[1] || (e[1] == best[1] && e[2] < best[2])) {
                    best = e;
                }
            }
            return best;
        }

        Long poll() {
            long[] b = best();
            if (b == null) {
                return null;
            }
            entries.remove(b);
            return b[0];
        }
    }

    @Test
    void matchesTheReferenceModelUnkeyed() {
        // 64: entries() then sorts more than 32 entries, where Arrays.sort merges runs (not only
        // insertion-sorts), which needs the comparator's "after" answer as well as its "before"
        for (int capacity : new int[] {1, 2, 3, 7, 16, 64}) {
            run(capacity, false, 42 + capacity);
        }
    }

    @Test
    void matchesTheReferenceModelKeyed() {
        for (int capacity : new int[] {1, 2, 3, 7, 16, 64}) {
            run(capacity, true, 4242 + capacity);
        }
    }

    private static void run(int capacity, boolean keyed, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        PriorityBuffer<Long> buffer = new PriorityBuffer<>(capacity, keyed ? PriorityBuffer::saturatedAdd : null);
        Model model = new Model(capacity, keyed);
        assertThat(buffer.capacity()).isEqualTo(capacity);
        long next = 0;
        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(10);
            if (op < 6) {
                long value = next++;
                long priority = rnd.nextInt(-2, 5);
                long key = rnd.nextInt(capacity * 2 + 1);
                PriorityBuffer.Outcome o = buffer.offer(value, priority, keyed ? key : null);
                long[] expected = model.offer(value, priority, key);
                assertThat(o.ordinal()).as("step %d outcome", step).isEqualTo((int) expected[0]);
                Long d = buffer.displaced();
                assertThat(d == null ? -1L : d).as("step %d displaced", step).isEqualTo(expected[1]);
            } else if (op < 9) {
                assertThat(buffer.poll()).as("step %d poll", step).isEqualTo(model.poll());
            } else {
                long[] b = model.best();
                assertThat(buffer.peek()).as("step %d peek", step).isEqualTo(b == null ? null : b[0]);
                if (keyed && b != null) {
                    assertThat(buffer.priorityOf(b[3])).isEqualTo(OptionalLong.of(b[1]));
                }
            }
            assertThat(buffer.size()).isEqualTo(model.entries.size());
        }
        // top up to full (fresh keys, so no merges): entries() then sorts `capacity` entries
        for (long k = capacity * 2 + 1; model.entries.size() < capacity; k++) {
            long value = next++;
            long priority = rnd.nextInt(-2, 5);
            assertThat(buffer.offer(value, priority, keyed ? k : null)).isEqualTo(PriorityBuffer.Outcome.STORED);
            model.offer(value, priority, k);
        }
        assertThat(buffer.size()).isEqualTo(capacity);
        List<Long> inOrder = buffer.entries().stream().map(PriorityBuffer.Held::element).toList();
        List<Long> drained = new ArrayList<>();
        Long v;
        while ((v = model.poll()) != null) {
            drained.add(v);
        }
        assertThat(inOrder).isEqualTo(drained);
    }

    @Test
    void saturatedAddNeverWraps() {
        assertThat(PriorityBuffer.saturatedAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(PriorityBuffer.saturatedAdd(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
        assertThat(PriorityBuffer.saturatedAdd(5, 10)).isEqualTo(15);
        assertThat(PriorityBuffer.saturatedAdd(5, -10)).isEqualTo(-5);
    }
}
