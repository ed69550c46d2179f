package io.sluice.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class StatsRecorderTest {

    private static final int THREADS = 4;
    private static final int PER_THREAD = 250_000;

    @ParameterizedTest(name = "stripes={0}")
    @ValueSource(ints = {1, 4, 64})
    void concurrentRecordingFromFourThreadsLosesNothing(int stripes) throws Exception {
        // With one stripe all four threads contend on the same lock; with 64 they mostly do not.
        StatsRecorder recorder = new StatsRecorder("test", stripes);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int base = t * PER_THREAD;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        recorder.record(base + i);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // The samples are exactly the integers 0 .. 4N-1.
        long n = (long) THREADS * PER_THREAD;
        StatsSnapshot s = recorder.snapshot();
        assertThat(s.count()).isEqualTo(n);
        assertThat(s.sum()).isEqualTo((double) (n - 1) * n / 2);
        assertThat(s.min()).isEqualTo(0.0);
        assertThat(s.max()).isEqualTo((double) (n - 1));
        assertThat(Math.abs(s.mean() - (n - 1) / 2.0) / ((n - 1) / 2.0)).isLessThan(1e-12);
        double expectedVariance = ((double) n * n - 1) / 12;
        assertThat(Math.abs(s.variance() - expectedVariance) / expectedVariance).isLessThan(1e-9);
        assertThat(recorder.toRunningStats().snapshot()).isEqualTo(s);
    }

    @Test
    void snapshotAndResetPartitionsConcurrentSamples() throws Exception {
        StatsRecorder recorder = new StatsRecorder("partition", 4);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        List<StatsSnapshot> taken = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            // the writers pause halfway until the reader has taken a non-empty snapshot, so the
            // reader certainly runs between the writers' samples, not only before or after them
            CountDownLatch readMidway = new CountDownLatch(1);
            AtomicBoolean writersDone = new AtomicBoolean();
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                writers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        if (i == PER_THREAD / 2) {
                            assertThat(readMidway.await(30, TimeUnit.SECONDS)).isTrue();
                        }
                        recorder.record(1.0);
                    }
                    return null;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                start.await();
                while (!writersDone.get()) {
                    StatsSnapshot s = recorder.snapshotAndReset();
                    taken.add(s);
                    if (s.count() > 0) {
                        readMidway.countDown();
                    }
                    Thread.yield();
                }
                return null;
            });
            start.countDown();
            for (Future<?> f : writers) {
                f.get(30, TimeUnit.SECONDS);
            }
            writersDone.set(true);
            reader.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        taken.add(recorder.snapshotAndReset());
        long total = 0;
        for (StatsSnapshot s : taken) {
            total += s.count();
            // Never a half-recorded sample: every field describes the same set of 1.0 samples.
            assertThat(s.sum()).isEqualTo((double) s.count());
            if (s.count() > 0) {
                assertThat(s.mean()).isEqualTo(1.0);
                assertThat(s.variance()).isEqualTo(0.0);
                assertThat(s.min()).isEqualTo(1.0);
                assertThat(s.max()).isEqualTo(1.0);
            }
        }
        assertThat(total).isEqualTo((long) THREADS * PER_THREAD);
        // the first non-empty snapshot was taken while the writers were at most halfway
        assertThat(taken.stream().mapToLong(StatsSnapshot::count).filter(c -> c > 0).findFirst().orElseThrow())
                .isLessThanOrEqualTo((long) THREADS * PER_THREAD / 2);
        assertThat(recorder.snapshot()).isEqualTo(StatsSnapshot.EMPTY);
    }

    @Test
    void snapshotIsImmutableCopy() {
        StatsRecorder recorder = new StatsRecorder();
        recorder.record(2);
        StatsSnapshot first = recorder.snapshot();
        RunningStats owned = recorder.toRunningStats();
        owned.update(1000);
        recorder.record(4);
        assertThat(first.count()).isEqualTo(1);
        assertThat(first.sum()).isEqualTo(2.0);
        StatsSnapshot second = recorder.snapshot();
        assertThat(second.count()).isEqualTo(2);
        assertThat(second.sum()).isEqualTo(6.0);
        assertThat(second.max()).isEqualTo(4.0);
    }

    @Test
    void stripeCountIsAPowerOfTwoUpTo64() {
        assertThat(new StatsRecorder("a", 1).stripes()).isEqualTo(1);
        assertThat(new StatsRecorder("a", 3).stripes()).isEqualTo(4);
        assertThat(new StatsRecorder("a", 8).stripes()).isEqualTo(8);
        assertThat(new StatsRecorder("a", 1000).stripes()).isEqualTo(64);
        assertThatThrownBy(() -> new StatsRecorder("a", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new StatsRecorder("named").name()).isEqualTo("named");
    }

    @Test
    void toStringNamesTheRecorderAndItsFigures() {
        StatsRecorder recorder = new StatsRecorder("lat");
        recorder.record(5);
        assertThat(recorder.toString()).startsWith("StatsRecorder{lat, ").contains("count=1");
    }

    @Test
    void rejectsNonFiniteSamples() {
        StatsRecorder recorder = new StatsRecorder();
        assertThatThrownBy(() -> recorder.record(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> recorder.record(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(recorder.snapshot().count()).isZero();
    }
}
