package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** Deterministic semantics of the four overflow policies, driven request by request. */
class OverflowSemanticsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void dropNewestKeepsTheOldestAndDropsIncoming() {
        List<Integer> dropped = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>dropNewest(3).onDrop(dropped::add);
        TestPublisher<Integer> up = TestPublisher.create();

        // StepVerifier runs the steps before the first event inside onSubscribe, so the elements are
        // emitted in a then() step: they all arrive while there is no demand.
        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> emitRange(up, 1, 10).complete())
                .thenRequest(2)
                .expectNext(1, 2)
                .thenRequest(5)
                .expectNext(3)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(dropped).containsExactly(4, 5, 6, 7, 8, 9, 10);
        assertThat(policy.dropped()).isEqualTo(7);
    }

    @Test
    void overwriteOldestKeepsTheNewest() {
        List<Integer> dropped = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>overwriteOldest(3).onDrop(dropped::add);
        TestPublisher<Integer> up = TestPublisher.create();

        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> emitRange(up, 1, 10).complete())
                .thenRequest(1)
                .expectNext(8)
                .thenRequest(5)
                .expectNext(9, 10)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(dropped).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(policy.dropped()).isEqualTo(7);
    }

    @Test
    void dropNewestInterleavedWithRequests() {
        TestPublisher<Integer> up = TestPublisher.create();
        List<Integer> dropped = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>dropNewest(2).onDrop(dropped::add);

        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> up.next(1, 2, 3))
                .thenRequest(1)
                .expectNext(1)
                .then(() -> up.next(4, 5))
                .thenRequest(10)
                .expectNext(2, 4)
                .then(() -> up.next(6).complete())
                .expectNext(6)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(dropped).containsExactly(3, 5);
        assertThat(policy.dropped()).isEqualTo(2);
    }

    @Test
    void overwriteOldestInterleavedWithRequests() {
        TestPublisher<Integer> up = TestPublisher.create();
        List<Integer> dropped = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>overwriteOldest(2).onDrop(dropped::add);

        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> up.next(1, 2, 3))
                .thenRequest(1)
                .expectNext(2)
                .then(() -> up.next(4, 5))
                .thenRequest(10)
                .expectNext(4, 5)
                .then(() -> up.next(6).complete())
                .expectNext(6)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(dropped).containsExactly(1, 3);
        assertThat(policy.dropped()).isEqualTo(2);
    }

    @Test
    void capacityOneAndNonPowerOfTwoCapacitiesAreExact() {
        for (int cap : new int[] {1, 3, 5, 6, 7, 100}) {
            List<Integer> dropped = new ArrayList<>();
            OverflowPolicy<Integer> dn = Overflow.<Integer>dropNewest(cap).onDrop(dropped::add);
            BoundedRequester<Integer> first = new BoundedRequester<>();
            Flux.range(0, 1000).transform(dn).subscribe(first);
            first.request(Long.MAX_VALUE);
            assertThat(first.received).hasSize(cap);
            assertThat(first.received).first().isEqualTo(0);
            assertThat(dropped).hasSize(1000 - cap).first().isEqualTo(cap);

            OverflowPolicy<Integer> ow = Overflow.overwriteOldest(cap);
            BoundedRequester<Integer> req = new BoundedRequester<>();
            Flux.range(0, 1000).transform(ow).subscribe(req);
            req.request(Long.MAX_VALUE);
            assertThat(req.received).hasSize(cap);
            assertThat(req.received).first().isEqualTo(1000 - cap);
            assertThat(ow.dropped()).isEqualTo(1000 - cap);
        }
    }

    @Test
    void downstreamRequestIsRespectedExactly() {
        for (OverflowPolicy<Integer> policy : List.of(Overflow.<Integer>dropNewest(64), Overflow.<Integer>overwriteOldest(64),
                Overflow.<Integer>block(64), Overflow.<Integer>fail(64))) {
            BoundedRequester<Integer> sub = new BoundedRequester<>();
            Flux.range(0, 50).transform(policy).subscribe(sub);
            assertThat(sub.received).as(policy.toString()).isEmpty();
            sub.request(3);
            assertThat(sub.received).as(policy.toString()).containsExactly(0, 1, 2);
            sub.request(7);
            assertThat(sub.received).as(policy.toString()).hasSize(10);
            assertThat(sub.completed).isFalse();
            sub.request(40);
            assertThat(sub.received).hasSize(50);
            assertThat(sub.completed).as(policy.toString()).isTrue();
        }
    }

    @Test
    void blockIsLosslessAndRequestsInBoundedBatches() {
        List<Long> upstreamRequests = new CopyOnWriteArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.block(8);
        Flux<Integer> flux = Flux.range(1, 20).doOnRequest(upstreamRequests::add).transform(policy);

        StepVerifier.create(flux, 0)
                .expectSubscription()
                .then(() -> assertThat(upstreamRequests).containsExactly(8L))
                .thenRequest(5)
                .expectNext(1, 2, 3, 4, 5)
                // limit is 8 - 8/4 = 6: nothing replenished after 5 deliveries
                .then(() -> assertThat(upstreamRequests).containsExactly(8L))
                .thenRequest(1)
                .expectNext(6)
                .then(() -> assertThat(upstreamRequests).containsExactly(8L, 6L))
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(14)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(policy.dropped()).isZero();
        assertThat(upstreamRequests.stream().allMatch(r -> r <= 8)).isTrue();
    }

    @Test
    void failSignalsOverflowAfterTheBufferedElements() {
        TestPublisher<Integer> up = TestPublisher.create();
        List<Integer> dropped = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>fail(2).named("ingest").onDrop(dropped::add);

        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> up.next(1, 2, 3))
                .then(() -> up.assertCancelled())
                .thenRequest(1)
                .expectNext(1)
                .thenRequest(1)
                .expectNext(2)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(OverflowException.class)
                        .hasMessageContaining("ingest").hasMessageContaining("capacity 2"))
                .verify(TIMEOUT);

        assertThat(dropped).containsExactly(3);
        assertThat(policy.dropped()).isEqualTo(1);
    }

    @Test
    void completionAndErrorWaitForTheBufferToDrain() {
        for (OverflowPolicy<Integer> policy : List.of(Overflow.<Integer>dropNewest(4), Overflow.<Integer>overwriteOldest(4),
                Overflow.<Integer>block(4), Overflow.<Integer>fail(4))) {
            TestPublisher<Integer> up = TestPublisher.create();
            StepVerifier.create(up.flux().transform(policy), 0)
                    .then(() -> up.next(1, 2).complete())
                    .thenRequest(1)
                    .expectNext(1)
                    .thenRequest(1)
                    .expectNext(2)
                    .expectComplete()
                    .verify(TIMEOUT);

            TestPublisher<Integer> up2 = TestPublisher.create();
            StepVerifier.create(up2.flux().transform(policy), 0)
                    .then(() -> up2.next(1, 2).error(new IllegalStateException("boom")))
                    .thenRequest(2)
                    .expectNext(1, 2)
                    .expectErrorMessage("boom")
                    .verify(TIMEOUT);
        }
    }

    @Test
    void cancelHandsBufferedElementsToDropAndDiscardHooks() {
        for (OverflowPolicy.Kind kind : OverflowPolicy.Kind.values()) {
            List<Integer> hook = new ArrayList<>();
            List<Object> discarded = new ArrayList<>();
            OverflowPolicy<Integer> policy = policyOf(kind, 8).onDrop(hook::add);
            TestPublisher<Integer> up = TestPublisher.create();

            StepVerifier.create(up.flux().transform(policy).doOnDiscard(Integer.class, discarded::add), 0)
                    .then(() -> up.next(1, 2, 3))
                    .thenRequest(1)
                    .expectNext(1)
                    .thenCancel()
                    .verify(TIMEOUT);

            up.assertCancelled();
            assertThat(hook).as(kind.name()).containsExactly(2, 3);
            assertThat(discarded).as(kind.name()).containsExactly(2, 3);
            assertThat(policy.discardedOnCancel()).isEqualTo(2);
            assertThat(policy.dropped()).isZero();
        }
    }

    @Test
    void overflowDropsReachReactorDiscardHookAndDispatcher() {
        EventDispatcher events = new EventDispatcher();
        List<Dropped> seen = new ArrayList<>();
        events.on(Dropped.class, seen::add);
        List<Object> discarded = new ArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>dropNewest(2).named("udp-in").events(events);

        TestPublisher<Integer> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(policy).doOnDiscard(Integer.class, discarded::add), 0)
                .then(() -> emitRange(up, 1, 5).complete())
                .thenRequest(10)
                .expectNext(1, 2)
                .verifyComplete();

        assertThat(discarded).containsExactly(3, 4, 5);
        assertThat(seen).extracting(Dropped::totalDropped).containsExactly(1L, 2L, 3L);
        assertThat(seen).allSatisfy(d -> {
            assertThat(d.stage()).isEqualTo("udp-in");
            assertThat(d.policy()).isEqualTo("drop-newest");
        });
    }

    @Test
    void countersAreSharedAcrossSubscriptionsButBuffersAreNot() {
        OverflowPolicy<Integer> policy = Overflow.dropNewest(2);
        Flux<Integer> flux = Flux.range(1, 5).transform(policy);
        for (int i = 0; i < 3; i++) {
            BoundedRequester<Integer> sub = new BoundedRequester<>();
            flux.subscribe(sub);
            sub.request(100);
            assertThat(sub.received).containsExactly(1, 2);
        }
        assertThat(policy.dropped()).isEqualTo(9);
    }

    @Test
    void bufferedReportsTheLiveFillLevel() {
        TestPublisher<Integer> up = TestPublisher.create();
        OverflowPolicy<Integer> policy = Overflow.overwriteOldest(4);
        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> up.next(1, 2, 3))
                .then(() -> assertThat(policy.buffered()).isEqualTo(3))
                .then(() -> up.next(4, 5, 6))
                .then(() -> assertThat(policy.buffered()).isEqualTo(4))
                .thenRequest(1)
                .expectNext(3)
                .then(() -> assertThat(policy.buffered()).isEqualTo(3))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(policy.buffered()).isZero();
    }

    @Test
    void rejectsNonPositiveCapacity() {
        assertThatThrownBy(() -> Overflow.dropNewest(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity");
        assertThatThrownBy(() -> Overflow.overwriteOldest(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Producer and consumer on different threads, and the upstream never completes: a lost wake-up
     * (an element enqueued while the other thread's drain loop is finishing, with nobody running
     * the loop again) would leave that element buffered for good, and the burst's bounded wait
     * below would fail. (A completing upstream hides it: its completion runs the loop once more.)
     * The first burst arrives while the consumer holds element 0, so the stage must overflow.
     */
    @Test
    void lossyPoliciesAccountForEveryElementAcrossThreads() throws Exception {
        ExecutorService producer = Executors.newSingleThreadExecutor();
        try {
            for (OverflowPolicy.Kind kind : new OverflowPolicy.Kind[] {OverflowPolicy.Kind.DROP_NEWEST,
                    OverflowPolicy.Kind.OVERWRITE_OLDEST}) {
                OverflowPolicy<Integer> policy = policyOf(kind, 16);
                Sinks.Many<Integer> up = Sinks.many().unicast().onBackpressureError();
                List<Integer> received = new CopyOnWriteArrayList<>();
                CountDownLatch gate = new CountDownLatch(1);
                CountDownLatch holding = new CountDownLatch(1);
                Disposable consumer = up.asFlux().transform(policy).publishOn(Schedulers.parallel(), 4)
                        .subscribe(v -> {
                            if (v == 0) {
                                holding.countDown();
                                awaitQuietly(gate);
                            }
                            received.add(v);
                        });
                int[] total = {0};
                Runnable burst = () -> {
                    up.tryEmitNext(total[0]).orThrow();
                    total[0]++;
                };
                // element 0 first, and the other 99 only once the consumer holds it: on a loaded machine the
                // consumer thread may otherwise start after 0 was overwritten, and then never hold anything
                producer.submit(burst).get(10, TimeUnit.SECONDS);
                assertThat(holding.await(10, TimeUnit.SECONDS)).as(kind + ": consumer took element 0").isTrue();
                producer.submit(() -> {
                    for (int i = 1; i < 100; i++) {
                        burst.run();
                    }
                }).get(10, TimeUnit.SECONDS);
                gate.countDown();
                awaitAccounted(kind, received, policy, 100);
                // at most 1 held by the consumer, 4 in publishOn's queue and 16 in the stage
                assertThat(policy.dropped()).as(kind.name()).isGreaterThanOrEqualTo(100 - 1 - 4 - 16);
                for (int round = 1; round <= 300; round++) {
                    int size = round % 40 + 1;
                    producer.submit(() -> {
                        for (int i = 0; i < size; i++) {
                            burst.run();
                        }
                    }).get(10, TimeUnit.SECONDS);
                    awaitAccounted(kind, received, policy, total[0]);
                }
                consumer.dispose();
                for (int i = 1; i < received.size(); i++) {
                    assertThat(received.get(i)).isGreaterThan(received.get(i - 1));
                }
                if (kind == OverflowPolicy.Kind.OVERWRITE_OLDEST) {
                    assertThat(received.get(received.size() - 1)).isEqualTo(total[0] - 1);
                } else {
                    assertThat(received.get(0)).isEqualTo(0);
                }
            }
        } finally {
            producer.shutdownNow();
        }
    }

    /** Bounded wait until every element offered so far was delivered or counted as dropped. */
    private static void awaitAccounted(OverflowPolicy.Kind kind, List<Integer> received, OverflowPolicy<?> policy,
                                       int offered) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (received.size() + policy.dropped() != offered) {
            assertThat(System.nanoTime() - deadline).as("%s: %d offered, %d received, %d dropped", kind, offered,
                    received.size(), policy.dropped()).isNegative();
            Thread.sleep(1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void blockIsLosslessAcrossThreads() {
        int n = 200_000;
        Long sum = Flux.range(0, n)
                .subscribeOn(Schedulers.single())
                .map(Integer::longValue)
                .transform(Overflow.block(32))
                .publishOn(Schedulers.parallel(), 4)
                .reduce(0L, Long::sum)
                .block(Duration.ofSeconds(60));
        assertThat(sum).isEqualTo((long) n * (n - 1) / 2);
    }

    static TestPublisher<Integer> emitRange(TestPublisher<Integer> up, int from, int to) {
        for (int i = from; i <= to; i++) {
            up.next(i);
        }
        return up;
    }

    static OverflowPolicy<Integer> policyOf(OverflowPolicy.Kind kind, int cap) {
        switch (kind) {
            case DROP_NEWEST:
                return Overflow.dropNewest(cap);
            case OVERWRITE_OLDEST:
                return Overflow.overwriteOldest(cap);
            case BLOCK:
                return Overflow.block(cap);
            case PRIORITY:
                // one priority for all: FIFO, so the shared tests' expectations hold
                return Overflow.priority(cap, x -> 0L);
            default:
                return Overflow.fail(cap);
        }
    }

    /** Requests only when told to; records what arrives. */
    static final class BoundedRequester<T> extends BaseSubscriber<T> {
        final List<T> received = new ArrayList<>();
        boolean completed;
        Throwable error;

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // request nothing
        }

        @Override
        protected void hookOnNext(T value) {
            received.add(value);
        }

        @Override
        protected void hookOnComplete() {
            completed = true;
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            error = throwable;
        }
    }
}
