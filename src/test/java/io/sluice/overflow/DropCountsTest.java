package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link DropCounts}: per-thread single-writer cells add up exactly, a concurrent reader never sees
 * the sum go down or pass what was counted, and the cells of terminated threads are folded in.
 */
class DropCountsTest {

    @Test
    void cellsOfSeveralThreadsAddUpExactlyWhileAReaderWatches() throws Exception {
        DropCounts counts = new DropCounts();
        int threads = 4;
        int perThread = 500_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong counted = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                await(start);
                DropCounts.Cell cell = null;
                for (int n = 0; n < perThread; n++) {
                    cell = counts.cell(cell);
                    cell.increment();
                }
                counted.addAndGet(perThread);
            });
            t.start();
            workers.add(t);
        }
        AtomicBoolean readerOk = new AtomicBoolean(true);
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            long last = 0;
            while (!stop.get()) {
                long s = counts.sum();
                if (s < last || s > (long) threads * perThread) {
                    readerOk.set(false);
                }
                last = s;
            }
        });
        reader.start();
        start.countDown();
        for (Thread t : workers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).isFalse();
        }
        stop.set(true);
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(readerOk).as("the sum never went down nor above the total").isTrue();
        assertThat(counts.sum()).isEqualTo(counted.get()).isEqualTo((long) threads * perThread);
    }

    @Test
    void cellsOfTerminatedThreadsAreFoldedAndStillCounted() throws Exception {
        DropCounts counts = new DropCounts();
        int threads = DropCounts.PRUNE_ABOVE * 2 + 10;
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                DropCounts.Cell c = counts.cell(null);
                c.increment();
                c.increment();
            });
            t.start();
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        DropCounts.Cell mine = counts.cell(null);
        mine.increment();
        assertThat(counts.cell(mine)).as("a thread's own cell is reused").isSameAs(mine);
        assertThat(counts.sum()).isEqualTo(2L * threads + 1);
        assertThat(counts.sum()).as("folding is not counting twice").isEqualTo(2L * threads + 1);
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
