package io.sluice.bench;

import io.sluice.overflow.Overflow;
import java.lang.management.ManagementFactory;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;

/**
 * Context for {@link OverflowBenchmark}'s slow-consumer cells: the cost of the overflow path alone,
 * on one thread, without a consumer (nothing is ever taken, so after {@code 1024} elements every
 * element evicts or is dropped). Reports the producer thread's CPU time per element, best of 20
 * runs of 1,000,000 elements after 10 warm-up runs, three rounds, so it is little affected by other
 * load on the machine. The difference between this floor and a benchmark's score is what the two
 * threads cost each other (wake-ups, cache lines) plus the consumer's final drain. Not JMH:
 * {@code java -cp benchmarks/target/benchmarks.jar io.sluice.bench.OverflowFloor}.
 */
public final class OverflowFloor {

    private static final int N = 1_000_000;

    private OverflowFloor() {
    }

    /** A downstream that never requests (or, fused, never polls) and counts the wake-up signals. */
    private static final class Idle implements CoreSubscriber<Integer> {
        private final boolean fuse;
        long signals;

        Idle(boolean fuse) {
            this.fuse = fuse;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (fuse && s instanceof Fuseable.QueueSubscription) {
                ((Fuseable.QueueSubscription<?>) s).requestFusion(Fuseable.ASYNC);
            }
        }

        @Override
        public void onNext(Integer v) {
            signals++;
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onComplete() {
        }
    }

    private static long run(String name, Idle sink) {
        Flux<Integer> src = Flux.range(0, N);
        switch (name) {
            case "overwriteOldestSluiceFused":
            case "overwriteOldestSluice":
                src.transform(Overflow.overwriteOldest(1024)).subscribe(sink);
                break;
            case "overwriteOldestReactor":
                src.onBackpressureBuffer(1024, x -> { }, BufferOverflowStrategy.DROP_OLDEST).subscribe(sink);
                break;
            case "dropNewestSluice":
                src.transform(Overflow.dropNewest(1024)).subscribe(sink);
                break;
            default:
                src.onBackpressureBuffer(1024, x -> { }, BufferOverflowStrategy.DROP_LATEST).subscribe(sink);
        }
        return sink.signals;
    }

    /**
     * Prints the floor of each stage.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        String[] names = {"overwriteOldestSluiceFused", "overwriteOldestSluice", "overwriteOldestReactor",
            "dropNewestSluice", "dropNewestReactor"};
        var mx = ManagementFactory.getThreadMXBean();
        for (int round = 1; round <= 3; round++) {
            for (String n : names) {
                long best = Long.MAX_VALUE;
                long signals = 0;
                for (int rep = 0; rep < 30; rep++) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    signals = run(n, new Idle(n.endsWith("Fused")));
                    long c = mx.getCurrentThreadCpuTime() - c0;
                    if (rep >= 10) {
                        best = Math.min(best, c);
                    }
                }
                System.out.printf("round %d %-28s %6.2f ns/element (producer CPU)  downstream signals %d%n",
                        round, n, best / (double) N, signals);
            }
        }
    }
}
