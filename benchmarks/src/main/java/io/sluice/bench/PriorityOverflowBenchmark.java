package io.sluice.bench;

import io.sluice.overflow.Overflow;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@code Overflow.priority} between one producer thread (the benchmark thread emits a range) and one
 * consumer thread ({@code publishOn}), capacity {@link #capacity}, the same shape as
 * {@link OverflowBenchmark}. Priorities cycle through 97 values so the heap really reorders; the
 * keyed variant gives every 8th element a key already seen (merges). Score: ns per produced
 * element (delivered, evicted or merged); the target is at least 5M elements/s, i.e. at
 * most 200 ns per element, with {@code work = 0} (fast consumer). {@code work = 100} is a slow
 * consumer that keeps the buffer full, so most offers compare against the lowest and evict.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PriorityOverflowBenchmark {

    static final int N = 100_000;

    @Param({"1024"})
    int capacity;

    @Param({"0", "100"})
    int work;

    Scheduler consumer;

    @Setup(Level.Trial)
    public void setup() {
        consumer = Schedulers.newSingle("consumer");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        consumer.dispose();
    }

    private void consume(Object o) {
        if (work > 0) {
            Blackhole.consumeCPU(work);
        }
    }

    private Object run(Flux<Integer> staged) {
        return staged.publishOn(consumer, 256).doOnNext(this::consume).blockLast();
    }

    private static long priority(int i) {
        return (i * 31L) % 97;
    }

    /** Unkeyed priority stage. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object prioritySluice() {
        return run(Flux.range(0, N).transform(Overflow.<Integer>priority(capacity, PriorityOverflowBenchmark::priority)));
    }

    /** Keyed priority stage: keys repeat every 8 elements within a window, so some elements merge. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object priorityByKeySluice() {
        return run(Flux.range(0, N).transform(Overflow.<Integer>priorityByKey(capacity,
                i -> i % 8 == 0 ? i - 8 : i, PriorityOverflowBenchmark::priority)));
    }

    /** For scale: Sluice's drop-newest (a lock-free SPSC queue) in the same harness. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestSluice() {
        return run(Flux.range(0, N).transform(Overflow.dropNewest(capacity)));
    }
}
