package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
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

    /**
     * The stage wakes a fused downstream only for an element that arrives into an empty ring: one
     * stored behind an element not yet taken is taken by the same pass, so it costs no signal.
     */
    @Test
    void fusedStageSignalsOnlyWhenTheRingWasEmpty() {
        AtomicInteger signals = new AtomicInteger();
        List<Fuseable.QueueSubscription<Integer>> ring = new ArrayList<>();
        TestPublisher<Integer> up = TestPublisher.create();
        up.flux().transform(Overflow.<Integer>overwriteOldest(3)).subscribe(new CoreSubscriber<Integer>() {
            @Override
            @SuppressWarnings("unchecked")
            public void onSubscribe(Subscription s) {
                Fuseable.QueueSubscription<Integer> q = (Fuseable.QueueSubscription<Integer>) s;
                assertThat(q.requestFusion(Fuseable.ASYNC)).isEqualTo(Fuseable.ASYNC);
                ring.add(q);
            }

            @Override
            public void onNext(Integer ignored) {
                signals.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        Fuseable.QueueSubscription<Integer> q = ring.get(0);

        up.next(1, 2, 3, 4, 5); // into an empty ring: one signal; 1 and 2 evicted
        assertThat(signals).hasValue(1);
        assertThat(List.of(q.poll(), q.poll(), q.poll())).containsExactly(3, 4, 5);
        assertThat(q.poll()).isNull();

        up.next(6); // empty again: signalled
        up.next(7); // behind 6, not yet taken: no signal
        assertThat(signals).hasValue(2);
        assertThat(q.poll()).isEqualTo(6);
        up.next(8); // behind 7
        assertThat(signals).hasValue(2);
        assertThat(List.of(q.poll(), q.poll())).containsExactly(7, 8);
        assertThat(q.isEmpty()).isTrue();
    }

    /**
     * publishOn's consumer is held on its first element while the producer emits 100 more: those
     * elements (none with a wake-up of its own) are taken by the pass that is still running once
     * the consumer resumes: the newest 4 arrive, in order, then completion.
     */
    @Test
    void elementsStoredWithoutTheirOwnSignalAreDeliveredByTheRunningPass() throws InterruptedException {
        Sinks.Many<Integer> up = Sinks.many().unicast().onBackpressureBuffer();
        CountDownLatch firstTaken = new CountDownLatch(1);
        CountDownLatch producerDone = new CountDownLatch(1);
        List<Integer> got = new CopyOnWriteArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.overwriteOldest(4);
        Scheduler consumer = Schedulers.newSingle("fusion-held");
        try {
            var done = up.asFlux()
                    .transform(policy)
                    .publishOn(consumer, 8)
                    .doOnNext(v -> {
                        got.add(v);
                        if (v == 0) {
                            firstTaken.countDown();
                            awaitQuietly(producerDone);
                        }
                    })
                    .then()
                    .toFuture();
            up.tryEmitNext(0).orThrow();
            assertThat(firstTaken.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 100; i++) {
                up.tryEmitNext(i).orThrow();
            }
            up.tryEmitComplete().orThrow();
            producerDone.countDown();
            done.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the stream did not complete: got " + got, e);
        } finally {
            consumer.dispose();
        }
        assertThat(got).containsExactly(0, 97, 98, 99, 100);
        assertThat(policy.dropped()).isEqualTo(96);
        assertThat(policy.buffered()).isZero();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
