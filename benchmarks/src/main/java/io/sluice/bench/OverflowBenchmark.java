package io.sluice.bench;

import io.reactivex.rxjava3.core.BackpressureOverflowStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.sluice.overflow.Overflow;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
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

    /**
     * Elements that reached the consumer in the last invocation (one plain increment on the consumer
     * thread, the same in every variant); read by {@link DropShare} after the invocation completed.
     */
    long delivered;

    /** Drops counted by the counting Reactor variants' overflow callback (the work Sluice does always). */
    final LongAdder reactorDrops = new LongAdder();

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
        delivered++;
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

    /**
     * Pekko's {@code Source.queue(n)} (a {@code BoundedSourceQueue}: {@code offer} answers at once,
     * {@code Dropped} when full, i.e. drop-newest): the benchmark thread offers, the stream's
     * actor consumes.
     */
    private Object pekkoBoundedQueue() throws Exception {
        Pair<BoundedSourceQueue<Integer>, CompletionStage<Done>> m = Source.<Integer>queue(capacity)
                .toMat(Sink.foreach(this::consume), Keep.both())
                .run(pekko);
        BoundedSourceQueue<Integer> q = m.first();
        for (int i = 0; i < N; i++) {
            q.offer(i);
        }
        q.complete();
        return m.second().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /**
     * Pekko's {@code Source.queue(n, strategy, maxConcurrentOffers)}: every {@code offer} returns a
     * future; at most {@link #capacity} offers are left pending (the producer waits for the oldest
     * one beyond that), as the API requires a bound.
     */
    private Object pekkoQueue(OverflowStrategy strategy) throws Exception {
        Pair<SourceQueueWithComplete<Integer>, CompletionStage<Done>> m = Source.<Integer>queue(capacity, strategy, capacity)
                .toMat(Sink.foreach(this::consume), Keep.both())
                .run(pekko);
        SourceQueueWithComplete<Integer> q = m.first();
        @SuppressWarnings("unchecked")
        CompletionStage<?>[] pending = new CompletionStage<?>[capacity];
        for (int i = 0; i < N; i++) {
            int slot = i % capacity;
            if (pending[slot] != null) {
                pending[slot].toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            pending[slot] = q.offer(i);
        }
        for (CompletionStage<?> f : pending) {
            if (f != null) {
                f.toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
        q.complete();
        return m.second().toCompletableFuture().get(60, TimeUnit.SECONDS);
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

    /** Drop-newest: Pekko Streams {@code Source.queue(n)} (BoundedSourceQueue, drops the offered element when full). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestPekkoSourceQueue() throws Exception {
        return pekkoBoundedQueue();
    }

    /** Drop-newest: Pekko Streams {@code Source.queue(n, dropNew)} (a future per offer). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestPekkoSourceQueueDropNew() throws Exception {
        return pekkoQueue(OverflowStrategy.dropNew());
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

    /**
     * Overwrite-oldest: Sluice kept from fusing with publishOn ({@code hide()}), so the pipeline has
     * the same shape as Reactor's: the stage hands elements to publishOn's own queue (256), which
     * the stage can no longer evict from. Same end-to-end semantics as {@link #overwriteOldestReactor}
     * (up to 256 older elements waiting in publishOn besides the newest 1024); the fused
     * {@link #overwriteOldestSluice} keeps exactly the newest 1024.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestSluiceUnfused() {
        return reactor(Flux.range(0, N).transform(Overflow.overwriteOldest(capacity)).hide());
    }

    /**
     * Overwrite-oldest: Reactor's onBackpressureBuffer(DROP_OLDEST) with an overflow callback that
     * counts the drops as Sluice does ({@code OverflowPolicy.dropped()} is a {@code LongAdder}).
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestReactorCounting() {
        return reactor(Flux.range(0, N).onBackpressureBuffer(capacity, x -> reactorDrops.increment(),
                BufferOverflowStrategy.DROP_OLDEST));
    }

    /** Drop-newest: Reactor's onBackpressureBuffer(DROP_LATEST), counting the drops (see above). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object dropNewestReactorCounting() {
        return reactor(Flux.range(0, N).onBackpressureBuffer(capacity, x -> reactorDrops.increment(),
                BufferOverflowStrategy.DROP_LATEST));
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

    /** Overwrite-oldest: Pekko Streams {@code Source.queue(n, dropHead)} (a future per offer). */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object overwriteOldestPekkoSourceQueue() throws Exception {
        return pekkoQueue(OverflowStrategy.dropHead());
    }

    /**
     * No operator, fused: {@code publishOn} fuses with {@code range} (SYNC fusion), so the consumer
     * thread pulls the range itself and there is no queue at all. A floor no queued stage can reach.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object baselinePublishOnOnly() {
        return reactor(Flux.range(0, N));
    }

    /**
     * The limit for a stage between two threads: no operator, fusion prevented ({@code hide()}), so
     * every element crosses publishOn's own JCTools SPSC queue from producer to consumer thread.
     */
    @Benchmark
    @OperationsPerInvocation(N)
    public Object baselinePublishOnSpsc() {
        return reactor(Flux.range(0, N).hide());
    }
}
