package io.sluice.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class RunningStatsTest {

    private static double[] samples(int n, long seed) {
        Random r = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 1e6 + r.nextGaussian() * 3.5; // large offset: naive sum-of-squares would lose precision
        }
        return x;
    }

    private static double[] twoPass(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        double mean = sum / x.length;
        double ss = 0;
        for (double v : x) {
            ss += (v - mean) * (v - mean);
        }
        return new double[] {mean, ss / x.length};
    }

    @Test
    void matchesTwoPassOnAMillionSamples() {
        double[] x = samples(1_000_000, 42);
        RunningStats s = new RunningStats();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (double v : x) {
            s.update(v);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double[] exact = twoPass(x);
        assertThat(s.count()).isEqualTo(1_000_000);
        assertThat(Math.abs(s.mean() - exact[0]) / exact[0]).isLessThan(1e-9);
        assertThat(Math.abs(s.variance() - exact[1]) / exact[1]).isLessThan(1e-9);
        assertThat(s.stddev()).isCloseTo(Math.sqrt(exact[1]), within(1e-6));
        assertThat(s.sampleVariance()).isCloseTo(exact[1] * x.length / (x.length - 1), within(1e-6));
        assertThat(s.min()).isEqualTo(min);
        assertThat(s.max()).isEqualTo(max);
    }

    @Test
    void mergeOfPartitionsEqualsSequential() {
        double[] x = samples(300_001, 7);
        RunningStats all = new RunningStats();
        RunningStats[] parts = {new RunningStats(), new RunningStats(), new RunningStats(), new RunningStats()};
        for (int i = 0; i < x.length; i++) {
            all.update(x[i]);
            parts[i < 10 ? 0 : 1 + i % 3].update(x[i]); // uneven partitions
        }
        RunningStats merged = new RunningStats().merge(parts[0]).merge(parts[1]).merge(new RunningStats())
                .merge(parts[2]).merge(parts[3]);
        assertThat(merged.count()).isEqualTo(all.count());
        assertThat(Math.abs(merged.mean() - all.mean()) / all.mean()).isLessThan(1e-9);
        assertThat(Math.abs(merged.variance() - all.variance()) / all.variance()).isLessThan(1e-9);
        assertThat(merged.min()).isEqualTo(all.min());
        assertThat(merged.max()).isEqualTo(all.max());
        assertThat(parts[0].count()).isEqualTo(10); // merge leaves its argument unchanged
    }

    @Test
    void emptyAndSingleSample() {
        RunningStats s = new RunningStats();
        assertThat(s.count()).isZero();
        assertThat(s.mean()).isNaN();
        assertThat(s.variance()).isNaN();
        assertThat(s.min()).isNaN();
        assertThat(s.max()).isNaN();
        assertThat(s.sum()).isZero();
        s.update(5.5);
        assertThat(s.mean()).isEqualTo(5.5);
        assertThat(s.variance()).isZero();
        assertThat(s.sampleVariance()).isNaN();
        assertThat(s.min()).isEqualTo(5.5);
        assertThat(s.max()).isEqualTo(5.5);
        RunningStats c = s.copy();
        c.update(6.5);
        assertThat(s.count()).isEqualTo(1);
        assertThat(c.mean()).isEqualTo(6.0);
    }

    @Test
    void recorderIsExactUnderConcurrentUse() throws Exception {
        StatsRecorder rec = new StatsRecorder();
        int threads = 4;
        int perThread = 250_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t;
            fs.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    rec.record(base * 10 + i % 10); // values 0..39
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        RunningStats s = rec.snapshot();
        assertThat(s.count()).isEqualTo((long) threads * perThread);
        assertThat(s.mean()).isCloseTo(19.5, within(1e-9));
        assertThat(s.sum()).isCloseTo(19.5 * threads * perThread, within(1e-3));
        assertThat(s.min()).isZero();
        assertThat(s.max()).isEqualTo(39);
    }

    @Test
    void tapRecordsWithoutChangingTheStream() {
        StatsRecorder rec = new StatsRecorder();
        Flux<Message> f = Flux.just(18, 4266, 6786).map(n -> Message.of(new byte[n])).transform(Stats.messageSizes(rec));
        StepVerifier.create(f.map(Message::size)).expectNext(18, 4266, 6786).verifyComplete();
        RunningStats s = rec.snapshot();
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.min()).isEqualTo(18);
        assertThat(s.max()).isEqualTo(6786);

        StatsRecorder timing = new StatsRecorder();
        StepVerifier.create(Flux.range(1, 5).transform(Stats.timed(timing, i -> i * 2))).expectNext(2, 4, 6, 8, 10)
                .verifyComplete();
        assertThat(timing.snapshot().count()).isEqualTo(5);
        assertThat(timing.snapshot().min()).isGreaterThanOrEqualTo(0);
    }
}
