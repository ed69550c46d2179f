package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Ack;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: cumulative acknowledgement over delivered records. The acknowledged position moves only
 * over contiguous records (an acknowledgement ahead of an older one waits for it), a second call
 * changes nothing, acknowledgements of an earlier subscription's messages are ignored after a reset,
 * and acknowledgements racing on many threads end exactly at the last record, never beyond a record
 * not acknowledged.
 */
class AckWindowTest {

    private final List<Long> told = new CopyOnWriteArrayList<>();
    private final AckWindow window = new AckWindow(16, told::add);

    private static long last(List<Long> l) {
        return l.isEmpty() ? -1 : Collections.max(l);
    }

    @Test
    void positionMovesOnlyOverContiguousRecords() {
        // offsets with a gap (a corrupt record skipped between 11 and 15)
        long[] offsets = {10, 11, 15, 16, 17};
        List<Ack> acks = new ArrayList<>();
        for (long o : offsets) {
            acks.add(window.delivered(o, 1000 + o));
        }
        assertThat(window.size()).isEqualTo(5);
        assertThat(window.oldestAppendTime()).isEqualTo(1010);

        acks.get(1).done(); // ahead of 10: waits
        acks.get(3).done(); // ahead of 15: waits
        assertThat(told).isEmpty();
        assertThat(window.size()).isEqualTo(5);

        acks.get(0).done(); // 10, then 11 already done
        assertThat(last(told)).isEqualTo(11);
        assertThat(window.size()).isEqualTo(3);
        assertThat(window.oldestAppendTime()).isEqualTo(1015);

        acks.get(2).done(); // 15, then 16 already done; 17 not
        assertThat(last(told)).isEqualTo(16);
        assertThat(window.size()).isEqualTo(1);

        acks.get(2).done(); // a second call changes nothing
        acks.get(0).done();
        assertThat(last(told)).isEqualTo(16);
        assertThat(window.size()).isEqualTo(1);

        acks.get(4).done();
        assertThat(last(told)).isEqualTo(17);
        assertThat(window.size()).isZero();
        assertThat(window.oldestAppendTime()).isZero();
    }

    @Test
    void slotsAreReusedOnceTheHeadPassedThem() {
        // 16 slots, 100 records, at most 16 outstanding: a late second call of an old acknowledgement
        // must not mark the record now in its slot
        List<Ack> acks = new ArrayList<>();
        for (long o = 0; o < 100; o++) {
            if (window.size() == 16) {
                acks.get((int) o - 16).done();
                acks.get((int) o - 16).done();
                if (o >= 20) {
                    acks.get((int) o - 20).done(); // long done: ignored
                }
            }
            acks.add(window.delivered(o, o));
        }
        assertThat(last(told)).isEqualTo(83);
        acks.get(99).done();
        acks.get(84).done(); // the head's
        assertThat(last(told)).as("85..98 not acknowledged").isEqualTo(84);
        for (int i = 85; i < 99; i++) {
            acks.get(i).done();
        }
        assertThat(last(told)).isEqualTo(99);
    }

    @Test
    void acknowledgementsOfAnEarlierSubscriptionAreIgnoredAfterAReset() {
        Ack old = window.delivered(5, 1);
        window.reset();
        Ack fresh = window.delivered(5, 2); // the same record read again by the next reader
        old.done();
        assertThat(told).isEmpty();
        assertThat(window.size()).isEqualTo(1);
        fresh.done();
        assertThat(told).containsExactly(5L);
    }

    @Test
    void acknowledgeOldestCountsAndMovesOverLaterAcknowledgements() {
        List<Ack> acks = new ArrayList<>();
        for (long o = 0; o < 6; o++) {
            acks.add(window.delivered(o, o));
        }
        acks.get(3).done();
        assertThat(window.acknowledgeOldest(2)).isEqualTo(2);
        assertThat(last(told)).isEqualTo(1);
        assertThat(window.acknowledgeOldest(1)).isEqualTo(1); // 2, then 3 already done
        assertThat(last(told)).isEqualTo(3);
        assertThat(window.acknowledgeOldest(10)).isEqualTo(2);
        assertThat(last(told)).isEqualTo(5);
        assertThat(window.acknowledgeOldest(1)).isZero();
    }

    @Test
    void racingAcknowledgementsEndAtTheLastRecordAndNeverPassAnUnacknowledgedOne() throws Exception {
        AtomicLong position = new AtomicLong(-1);
        List<Long> violations = new CopyOnWriteArrayList<>();
        int total = 200_000;
        int threads = 4;
        boolean[] done = new boolean[total];
        long[] checked = {-1};
        AckWindow w = new AckWindow(1024, upTo -> {
            position.accumulateAndGet(upTo, Math::max);
            synchronized (done) {
                for (long o = checked[0] + 1; o <= upTo; o++) {
                    if (!done[(int) o]) {
                        violations.add(o);
                        return;
                    }
                }
                checked[0] = Math.max(checked[0], upTo);
            }
        });
        // deliver in windows of up to 1024; each window's acknowledgements are shuffled and split across threads
        Random rnd = new Random(14);
        long next = 0;
        while (next < total) {
            int n = (int) Math.min(1024 - w.size(), total - next);
            List<Ack> batch = new ArrayList<>();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add((int) next);
                batch.add(w.delivered(next++, 0));
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            Collections.shuffle(order, rnd);
            CountDownLatch end = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                int from = t;
                Thread th = new Thread(() -> {
                    for (int i = from; i < order.size(); i += threads) {
                        int k = order.get(i);
                        synchronized (done) {
                            done[ids.get(k)] = true;
                        }
                        batch.get(k).done();
                    }
                    end.countDown();
                });
                th.start();
            }
            assertThat(end.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(violations).isEmpty();
        assertThat(position.get()).isEqualTo(total - 1);
        assertThat(w.size()).isZero();
    }
}
