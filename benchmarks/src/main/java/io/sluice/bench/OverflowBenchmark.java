package io.sluice.bench;

import io.reactivex.rxjava3.core.BackpressureOverflowStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.sluice.overflow.Overflow;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
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
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One producer thread (the benchmark thread emits a range) and one consumer thread, with a lossy
 * overflow stage of capacity {@link #capacity} between them. Score: ns per produced element
 * (delivered or dropped). {@code work} is the consumer's cost per element in JMH "tokens"
 * ({@code Blackhole.consumeCPU}): 0 = fast consumer, 100 = slow consumer that forces drops.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class OverflowBenchmark {

    static final int N = 100_000;

    @Param({"1024"})
    int capacity;

    @Param({"0", "100"})
    int work;

    Scheduler consumer;
    io.reactivex.rxjava3.core.Scheduler rxConsumer;
    ActorSystem pekko;

    @Setup(Level.Trial)
    public void setup() {
        consumer = Schedulers.newSingle("consumer");
        rxConsumer = io.reactivex.rxjava3.schedulers.Schedulers.single();
        pekko = ActorSystem.create("bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        consumer.dispose();
        pekko.terminate();
        pekko.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void consume(Object o) {
        if (work > 0) {
            Blackhole.consumeCPU(work);
        }
    }

    private Object reactor(Flux<Integer> staged) {
        return staged.publishOn(consumer, 256).doOnNext(this::consume).blockLast();
    }

    private Object rx(Flowable<Integer> staged) {
        return staged.observeOn(rxConsumer, false, 256).doOnNext(this::consume).blockingLast(-1);
    }

    private Object pekko(OverflowStrategy strategy) throws Exception {
        CompletionStage<?> done = Source.range(0, N - 1)
                .buffer(capacity, strategy)
                .async()
                .runWith(Sink.foreach(this::consume), pekko);
        return done.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** Drop-newest: Sluice. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestSluice() {
        return reactor(Flux.range(0, N).transform(Overflow.dropNewest(capacity)));
    }

    /** Drop-newest: Reactor's onBackpressureBuffer(DROP_LATEST). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestReactor() {
        return reactor(Flux.range(0, N).onBackpressureBuffer(capacity, x -> { }, BufferOverflowStrategy.DROP_LATEST));
    }

    /** Drop-newest: RxJava 3 onBackpressureBuffer(DROP_LATEST). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestRxJava() {
        return rx(Flowable.range(0, N).onBackpressureBuffer(capacity, null, BackpressureOverflowStrategy.DROP_LATEST));
    }

    /** Drop-newest: Pekko Streams buffer(dropNew) across an async boundary. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestPekko() throws Exception {
        return pekko(OverflowStrategy.dropNew());
    }

    /** Overwrite-oldest: Sluice. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestSluice() {
        return reactor(Flux.range(0, N).transform(Overflow.overwriteOldest(capacity)));
    }

    /** Overwrite-oldest: Reactor's onBackpressureBuffer(DROP_OLDEST). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestReactor() {
        return reactor(Flux.range(0, N).onBackpressureBuffer(capacity, x -> { }, BufferOverflowStrategy.DROP_OLDEST));
    }

    /** Overwrite-oldest: RxJava 3 onBackpressureBuffer(DROP_OLDEST). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestRxJava() {
        return rx(Flowable.range(0, N).onBackpressureBuffer(capacity, null, BackpressureOverflowStrategy.DROP_OLDEST));
    }

    /** Overwrite-oldest: Pekko Streams buffer(dropHead). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestPekko() throws Exception {
        return pekko(OverflowStrategy.dropHead());
    }

    /** The limit: the same hand-off with no operator at all, just publishOn's own JCTools SPSC queue. */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object baselinePublishOnOnly() {
        return reactor(Flux.range(0, N));
    }
}
