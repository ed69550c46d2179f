package io.sluice.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

@Timeout(60)
class StatsTest {

    @Test
    void tapPassesElementsThroughAndRecordsEachOne() {
        StatsRecorder recorder = new StatsRecorder();
        List<Integer> expected = IntStream.rangeClosed(1, 100).boxed().collect(Collectors.toList());
        StepVerifier.create(Flux.range(1, 100).transform(Stats.tap(recorder, i -> i)))
                .expectNextSequence(expected)
                .verifyComplete();
        StatsSnapshot s = recorder.snapshot();
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.sum()).isEqualTo(5050.0);
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(s.max()).isEqualTo(100.0);
    }

    @Test
    void tapRecordsOnlyDeliveredElementsUnderBackpressure() {
        StatsRecorder recorder = new StatsRecorder();
        StepVerifier.create(Flux.range(1, 1000).transform(Stats.tap(recorder, i -> i)), 0)
                .then(() -> assertThat(recorder.snapshot().count()).isZero())
                .thenRequest(3)
                .expectNext(1, 2, 3)
                .then(() -> assertThat(recorder.snapshot().count()).isEqualTo(3))
                .thenCancel()
                .verify();
        assertThat(recorder.snapshot().sum()).isEqualTo(6.0);
    }

    @Test
    void messageSizesRecordsPayloadLengthsAndKeepsTheSameInstances() {
        StatsRecorder recorder = new StatsRecorder();
        Message a = Message.ofUtf8("hello");
        Message b = Message.of(new byte[0]);
        Message c = Message.of(new byte[1000]);
        StepVerifier.create(Flux.just(a, b, c).transform(Stats.messageSizes(recorder)))
                .expectNextMatches(m -> m == a)
                .expectNextMatches(m -> m == b)
                .expectNextMatches(m -> m == c)
                .verifyComplete();
        StatsSnapshot s = recorder.snapshot();
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.sum()).isEqualTo(1005.0);
        assertThat(s.min()).isEqualTo(0.0);
        assertThat(s.max()).isEqualTo(1000.0);
    }

    @Test
    void tapOnSeveralThreadsCountsEveryElement() {
        StatsRecorder recorder = new StatsRecorder();
        Flux<Integer> flux = Flux.range(0, 4)
                .flatMap(k -> Flux.range(k * 10_000, 10_000)
                        .subscribeOn(Schedulers.parallel())
                        .transform(Stats.tap(recorder, i -> i)));
        StepVerifier.create(flux).expectNextCount(40_000).expectComplete().verify(Duration.ofSeconds(30));
        StatsSnapshot s = recorder.snapshot();
        assertThat(s.count()).isEqualTo(40_000);
        assertThat(s.sum()).isEqualTo(39_999.0 * 40_000 / 2);
    }

    @Test
    void tapFailsTheFluxWhenTheMeasureIsNotFinite() {
        StatsRecorder recorder = new StatsRecorder();
        StepVerifier.create(Flux.just(1.0, Double.NaN, 3.0).transform(Stats.tap(recorder, d -> d)))
                .expectNext(1.0)
                .verifyError(IllegalArgumentException.class);
        assertThat(recorder.snapshot().count()).isEqualTo(1);
    }

    @Test
    void timedRecordsTimeSpentInTheFunction() {
        StatsRecorder recorder = new StatsRecorder();
        long pause = TimeUnit.MILLISECONDS.toNanos(2);
        Function<Integer, String> slow = Stats.timed(recorder, i -> {
            long deadline = System.nanoTime() + pause;
            while (System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return "v" + i;
        });
        for (int i = 1; i <= 5; i++) {
            long before = System.nanoTime();
            assertThat(slow.apply(i)).isEqualTo("v" + i);
            long outside = System.nanoTime() - before;
            StatsSnapshot s = recorder.snapshotAndReset();
            // One sample per call, inside [time spun in the call, time the call took seen from outside].
            assertThat(s.count()).isEqualTo(1);
            assertThat(s.min()).isBetween((double) pause, (double) outside);
        }
    }

    @Test
    void timedDoesNotRecordFailedCalls() {
        StatsRecorder recorder = new StatsRecorder();
        Function<Integer, Integer> f = Stats.timed(recorder, i -> {
            if (i == 2) {
                throw new IllegalStateException("boom");
            }
            return i;
        });
        assertThat(f.apply(1)).isEqualTo(1);
        assertThatThrownBy(() -> f.apply(2)).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(recorder.snapshot().count()).isEqualTo(1);
    }

    @Test
    void latencyMeasuresTimeThroughAnAsynchronousStage() {
        StatsRecorder recorder = new StatsRecorder();
        long delayMs = 5;
        Function<Flux<Integer>, Flux<String>> stage = flux -> flux
                .concatMap(i -> Mono.just("r" + i).delayElement(Duration.ofMillis(delayMs)), 32);
        long before = System.nanoTime();
        StepVerifier.create(Flux.range(1, 10).transform(Stats.latency(recorder, stage)))
                .expectNext("r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10")
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        long outside = System.nanoTime() - before;
        StatsSnapshot s = recorder.snapshot();
        assertThat(s.count()).isEqualTo(10);
        assertThat(s.min()).isGreaterThanOrEqualTo((double) TimeUnit.MILLISECONDS.toNanos(delayMs));
        // No element can take longer than the whole run seen from outside.
        assertThat(s.max()).isLessThanOrEqualTo((double) outside);
        // concatMap prefetches 32, so all ten enter in the same request loop and the n-th waits behind
        // n-1 others: the measured latency includes time queued inside the stage. The tenth enters after
        // the first one's delay has started (by however long the loop took to reach it), but before the
        // second one's can start, so it is timed over at least the nine delays of r2..r10.
        assertThat(s.max()).isGreaterThanOrEqualTo((double) TimeUnit.MILLISECONDS.toNanos(9 * delayMs));
    }

    @Test
    void latencyRecordsEveryElementOfEachSubscriptionAcrossThreads() {
        StatsRecorder recorder = new StatsRecorder();
        Flux<Integer> measured = Flux.range(1, 50)
                .transform(Stats.latency(recorder, 64,
                        (Flux<Integer> f) -> f.publishOn(Schedulers.single(), 8).map(i -> i * 2)));
        List<Integer> doubled = IntStream.rangeClosed(1, 50).map(i -> i * 2).boxed().collect(Collectors.toList());
        long before = System.nanoTime();
        StepVerifier.create(measured).expectNextSequence(doubled).expectComplete().verify(Duration.ofSeconds(10));
        long first = System.nanoTime() - before;
        StatsSnapshot s1 = recorder.snapshotAndReset();
        assertThat(s1.count()).isEqualTo(50);
        assertThat(s1.max()).isLessThanOrEqualTo((double) first);
        before = System.nanoTime();
        StepVerifier.create(measured).expectNextSequence(doubled).expectComplete().verify(Duration.ofSeconds(10));
        long second = System.nanoTime() - before;
        StatsSnapshot s2 = recorder.snapshot();
        // publishOn(8) keeps at most 8 elements in flight, below the 64 slots: every element matched,
        // each with a latency no longer than its run took seen from outside (the second subscription
        // has its own ring: no entry time carried over from the first).
        assertThat(s2.count()).isEqualTo(50);
        assertThat(s2.max()).isLessThanOrEqualTo((double) second);
    }

    @Test
    void latencyRingPairsByPositionAndSkipsOverwrittenEntries() {
        StatsRecorder recorder = new StatsRecorder();
        Stats.LatencyRing ring = new Stats.LatencyRing(recorder, 4);
        long gap = TimeUnit.MILLISECONDS.toNanos(20);
        long beforeA = System.nanoTime();
        ring.entered();
        long afterA = System.nanoTime();
        spin(gap);
        long beforeB = System.nanoTime();
        ring.entered();
        long afterB = System.nanoTime();
        spin(gap);
        long beforeLeft = System.nanoTime();
        ring.left();
        long afterLeft = System.nanoTime();
        StatsSnapshot first = recorder.snapshotAndReset();
        ring.left();
        long afterSecondLeft = System.nanoTime();
        StatsSnapshot second = recorder.snapshotAndReset();
        // First out is paired with first in (A), by position: its latency lies within the bounds A's
        // entry and this exit allow. Paired with B instead (LIFO) it would be at least 20 ms shorter.
        assertThat(first.count()).isEqualTo(1);
        assertThat(first.min()).isBetween((double) (beforeLeft - afterA), (double) (afterLeft - beforeA));
        assertThat(second.count()).isEqualTo(1);
        assertThat(second.min()).isBetween((double) (afterLeft - afterB), (double) (afterSecondLeft - beforeB));

        // Six elements in flight with four slots: the first two entries are overwritten.
        StatsRecorder r2 = new StatsRecorder();
        Stats.LatencyRing small = new Stats.LatencyRing(r2, 4);
        for (int i = 0; i < 6; i++) {
            small.entered();
        }
        for (int i = 0; i < 6; i++) {
            small.left();
        }
        assertThat(r2.snapshot().count()).isEqualTo(4);

        // An output without an input (a stage that is not 1:1) records nothing.
        StatsRecorder r3 = new StatsRecorder();
        Stats.LatencyRing empty = new Stats.LatencyRing(r3, 4);
        empty.left();
        assertThat(r3.snapshot().count()).isZero();
    }

    @Test
    void rejectsBadArguments() {
        StatsRecorder recorder = new StatsRecorder();
        assertThatThrownBy(() -> Stats.latency(recorder, 0, (Flux<Integer> f) -> f))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight must be >= 1, was 0");
        // one slot is the smallest ring: elements are matched as long as one at a time is inside
        StepVerifier.create(Flux.range(1, 3).transform(Stats.latency(recorder, 1, (Flux<Integer> f) -> f)))
                .expectNext(1, 2, 3).verifyComplete();
        assertThat(recorder.snapshot().count()).isEqualTo(3);
        assertThatThrownBy(() -> Stats.tap(null, (Integer i) -> i)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Stats.timed(recorder, null)).isInstanceOf(NullPointerException.class);
    }

    private static void spin(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }
}
