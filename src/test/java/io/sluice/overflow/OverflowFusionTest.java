package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * Output fusion (Reactor ASYNC mode): a downstream such as {@code publishOn} polls the
 * overwrite-oldest ring itself. Same semantics as the unfused stage: newest kept, every drop and
 * every discard reported once; drop-newest does not fuse.
 */
class OverflowFusionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void fusedOverwriteOldestKeepsTheNewest() {
        List<Integer> dropped = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>overwriteOldest(3).onDrop(dropped::add);
        TestPublisher<Integer> up = TestPublisher.create();

        StepVerifier.create(up.flux().transform(policy), 0)
                .expectFusion(Fuseable.ASYNC)
                .then(() -> {
                    for (int i = 1; i <= 10; i++) {
                        up.next(i);
                    }
                    up.complete();
                })
                .thenRequest(1)
                .expectNext(8)
                .thenRequest(5)
                .expectNext(9, 10)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(dropped).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(policy.dropped()).isEqualTo(7);
        assertThat(policy.buffered()).isZero();
    }

    @Test
    void fusedCancelDiscardsTheBufferOnce() {
        List<Integer> released = new ArrayList<>();
        List<Object> discardHook = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>overwriteOldest(4).onDrop(released::add);
        // an upstream that still emits after the cancel (allowed: cancellation may take effect late)
        TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);

        StepVerifier.create(up.flux().transform(policy).doOnDiscard(Integer.class, discardHook::add), 0)
                .expectFusion(Fuseable.ASYNC)
                .then(() -> up.next(1, 2, 3, 4, 5))
                .thenRequest(1)
                .expectNext(2)
                .thenCancel()
                .verify(TIMEOUT);

        up.assertCancelled();
        assertThat(released).containsExactly(1, 3, 4, 5);
        assertThat(policy.dropped()).isEqualTo(1);
        assertThat(policy.discardedOnCancel()).isEqualTo(3);
        assertThat(policy.buffered()).isZero();
        // after the cancel, a late element is discarded at once, not buffered
        up.next(6);
        assertThat(released).containsExactly(1, 3, 4, 5, 6);
        assertThat(policy.buffered()).isZero();
    }

    @Test
    void fusionPassesThroughAFusableOperator() {
        TestPublisher<Integer> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(Overflow.overwriteOldest(2)).map(v -> v * 10), 0)
                .expectFusion(Fuseable.ASYNC)
                .then(() -> up.next(1, 2, 3).complete())
                .thenRequest(5)
                .expectNext(20, 30)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void dropNewestDoesNotFuse() {
        TestPublisher<Integer> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(Overflow.dropNewest(3)), 0)
                .expectFusion(Fuseable.ANY, Fuseable.NONE)
                .then(() -> up.next(1, 2).complete())
                .thenRequest(2)
                .expectNext(1, 2)
                .expectComplete()
                .verify(TIMEOUT);
    }

    /**
     * publishOn fuses with the stage across two threads, with a consumer slow enough to force
     * evictions: delivered in order, and every produced element delivered or dropped exactly once.
     */
    @Test
    void publishOnPollsTheRingAcrossThreads() {
        int n = 200_000;
        Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>overwriteOldest(64)
                .onDrop(v -> seen.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet());
        AtomicLong last = new AtomicLong(-1);
        AtomicLong outOfOrder = new AtomicLong();
        AtomicLong delivered = new AtomicLong();
        Scheduler consumer = Schedulers.newSingle("fusion-test");
        try {
            Flux.range(0, n)
                    .transform(policy)
                    .publishOn(consumer, 16)
                    .doOnNext(v -> {
                        if (v <= last.getAndSet(v)) {
                            outOfOrder.incrementAndGet();
                        }
                        seen.computeIfAbsent(v, k -> new AtomicInteger()).incrementAndGet();
                        delivered.incrementAndGet();
                        if ((v & 7) == 0) {
                            Thread.onSpinWait(); // a little slower than the producer
                        }
                    })
                    .blockLast(TIMEOUT);
        } finally {
            consumer.dispose();
        }
        assertThat(outOfOrder.get()).isZero();
        assertThat(last.get()).isEqualTo(n - 1); // the newest is never evicted
        assertThat(seen).hasSize(n);
        assertThat(seen.values()).allMatch(c -> c.get() == 1);
        assertThat(delivered.get() + policy.dropped()).isEqualTo(n);
        assertThat(policy.buffered()).isZero();
    }
}
