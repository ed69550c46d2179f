package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.persist.Fsync;
import io.sluice.persist.PersistentOverflow;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.util.context.Context;

/**
 * Paths the request-by-request semantics tests do not reach: an overflowing fail stage whose
 * capacity is a power of two, an error into an empty buffer, a cancel from inside a delivery with
 * more demand outstanding or from outside any delivery, a wake-up signalled while the drain loop is
 * running, and the introspection ({@link Scannable}) of each stage.
 */
class OverflowEdgeCasesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @ParameterizedTest
    @ValueSource(ints = {4, 3, 1})
    void failOverflowsOnTheFirstElementThatDoesNotFit(int capacity) {
        // 4 is a power of two (the queue's failed offer is the full signal), 3 is not (size check).
        List<Integer> dropped = new CopyOnWriteArrayList<>();
        OverflowPolicy<Integer> policy = Overflow.<Integer>fail(capacity).named("strict").onDrop(dropped::add);
        TestPublisher<Integer> up = TestPublisher.create();
        Integer[] fitting = new Integer[capacity];
        for (int i = 0; i < capacity; i++) {
            fitting[i] = i + 1;
        }
        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> OverflowSemanticsTest.emitRange(up, 1, capacity + 1))
                .then(() -> {
                    assertThat(dropped).containsExactly(capacity + 1);
                    assertThat(policy.dropped()).isEqualTo(1);
                    assertThat(policy.buffered()).isEqualTo(capacity);
                    up.assertCancelled();
                })
                .thenRequest(Long.MAX_VALUE)
                .expectNext(fitting)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(OverflowException.class)
                        .hasMessage("overflow stage 'strict' is full (capacity " + capacity + ")")
                        .extracting(x -> ((OverflowException) x).capacity()).isEqualTo(capacity))
                .verify(TIMEOUT);
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.Kind.class)
    void anErrorIntoAnEmptyBufferIsDeliveredAtOnceWithoutDemand(OverflowPolicy.Kind kind) {
        TestPublisher<Integer> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(OverflowSemanticsTest.policyOf(kind, 4)), 0)
                .then(() -> up.error(new IllegalStateException("upstream broke")))
                .expectErrorMessage("upstream broke")
                .verify(TIMEOUT);
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.Kind.class)
    void aCancelInsideADeliveryStopsDeliveringAlthoughDemandRemains(OverflowPolicy.Kind kind) {
        List<Integer> released = new CopyOnWriteArrayList<>();
        OverflowPolicy<Integer> policy = OverflowSemanticsTest.policyOf(kind, 8).onDrop(released::add);
        TestPublisher<Integer> up = TestPublisher.create();
        List<Integer> received = new CopyOnWriteArrayList<>();
        BaseSubscriber<Integer> cancelsOnSecond = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                // nothing yet: the elements are buffered first
            }

            @Override
            protected void hookOnNext(Integer value) {
                received.add(value);
                if (value == 2) {
                    cancel();
                }
            }
        };
        up.flux().transform(policy).subscribe(cancelsOnSecond);
        OverflowSemanticsTest.emitRange(up, 1, 6);
        cancelsOnSecond.request(5);

        assertThat(received).containsExactly(1, 2);
        assertThat(released).containsExactly(3, 4, 5, 6);
        assertThat(policy.discardedOnCancel()).isEqualTo(4);
        assertThat(policy.dropped()).isZero();
        assertThat(policy.buffered()).isZero();
        up.assertCancelled();
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.Kind.class)
    void aCancelFromOutsideAnyDeliveryDiscardsTheBuffer(OverflowPolicy.Kind kind) {
        List<Integer> released = new CopyOnWriteArrayList<>();
        OverflowPolicy<Integer> policy = OverflowSemanticsTest.policyOf(kind, 8).onDrop(released::add);
        // keeps emitting after the cancel, as an upstream may
        TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
        OverflowSemanticsTest.BoundedRequester<Integer> downstream = new OverflowSemanticsTest.BoundedRequester<>();
        up.flux().transform(policy).subscribe(downstream);
        OverflowSemanticsTest.emitRange(up, 1, 3);
        assertThat(policy.buffered()).isEqualTo(3);

        downstream.cancel();

        assertThat(downstream.received).isEmpty();
        assertThat(released).containsExactly(1, 2, 3);
        assertThat(policy.discardedOnCancel()).isEqualTo(3);
        assertThat(policy.buffered()).isZero();
        up.assertCancelled();
        // an element arriving after the cancel is discarded too, not buffered
        up.next(4);
        assertThat(released).containsExactly(1, 2, 3, 4);
        assertThat(policy.buffered()).isZero();
    }

    /**
     * The block stage asks upstream for more from inside its drain loop (after delivering); a
     * synchronous upstream ({@code range}) emits right there, while this thread still owns the loop.
     * Those elements are buffered, and the enqueue's signal must make the loop run once more: with
     * demand outstanding and the upstream never completing, nothing else would deliver them.
     */
    @Test
    void elementsEnqueuedWhileTheDrainLoopRunsAreDelivered() {
        // everything runs on this thread: each request returns after all it allowed was delivered
        OverflowPolicy<Integer> policy = Overflow.block(4);
        Recorder all = new Recorder();
        Flux.range(0, 20).concatWith(Flux.never()).transform(policy).subscribe(all);
        all.request(20);
        assertThat(all.received).hasSize(20);
        all.cancel();

        Recorder stepwise = new Recorder();
        Flux.range(0, 20).concatWith(Flux.never()).transform(policy).subscribe(stepwise);
        stepwise.request(3);
        assertThat(stepwise.received).containsExactly(0, 1, 2);
        stepwise.request(17);
        assertThat(stepwise.received).hasSize(20);
        assertThat(policy.buffered()).isLessThanOrEqualTo(4);
        stepwise.cancel();
        assertThat(policy.dropped()).isZero();
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.Kind.class)
    void eachStageDescribesItselfToReactorsIntrospection(OverflowPolicy.Kind kind) {
        OverflowPolicy<Integer> policy = OverflowSemanticsTest.policyOf(kind, 8).named("stage-" + kind);
        TestPublisher<Integer> up = TestPublisher.create();
        Flux<Integer> flux = up.flux().transform(policy);
        Scannable assembly = Scannable.from(flux);
        assertThat(assembly.scan(Scannable.Attr.PREFETCH))
                .isEqualTo(kind == OverflowPolicy.Kind.BLOCK ? 8 : Integer.MAX_VALUE);
        assertThat(assembly.scan(Scannable.Attr.RUN_STYLE)).isEqualTo(Scannable.Attr.RunStyle.SYNC);
        assertThat(assembly.scanUnsafe(Scannable.Attr.PARENT)).as("the upstream flux").isNotNull();

        Recorder downstream = new Recorder();
        flux.subscribe(downstream);
        Scannable stage = Scannable.from(downstream.subscription);
        up.next(1, 2, 3);
        assertThat(stage.scan(Scannable.Attr.BUFFERED)).isEqualTo(3);
        assertThat(stage.scan(Scannable.Attr.CAPACITY)).isEqualTo(8);
        assertThat(stage.scan(Scannable.Attr.NAME)).isEqualTo("stage-" + kind);
        assertThat(stage.scan(Scannable.Attr.RUN_STYLE)).isEqualTo(Scannable.Attr.RunStyle.SYNC);
        assertThat(stage.scanUnsafe(Scannable.Attr.ACTUAL)).isSameAs(downstream);
        assertThat(stage.scanUnsafe(Scannable.Attr.PARENT)).isInstanceOf(Subscription.class);
        assertThat(stage.scan(Scannable.Attr.ERROR)).isNull();
        assertThat(stage.scan(Scannable.Attr.CANCELLED)).isFalse();
        assertThat(stage.scan(Scannable.Attr.TERMINATED)).isFalse();
        assertThat(policy.buffered()).isEqualTo(3);

        downstream.request(2);
        assertThat(stage.scan(Scannable.Attr.REQUESTED_FROM_DOWNSTREAM)).isZero();
        downstream.request(5);
        assertThat(stage.scan(Scannable.Attr.REQUESTED_FROM_DOWNSTREAM)).isEqualTo(4L);
        assertThat(stage.scan(Scannable.Attr.BUFFERED)).isZero();
        up.complete();
        assertThat(stage.scan(Scannable.Attr.TERMINATED)).isTrue();
        assertThat(downstream.completed).isTrue();

        Recorder unbounded = new Recorder();
        TestPublisher<Integer> up2 = TestPublisher.create();
        up2.flux().transform(policy).subscribe(unbounded);
        unbounded.request(Long.MAX_VALUE);
        Scannable stage2 = Scannable.from(unbounded.subscription);
        assertThat(stage2.scan(Scannable.Attr.REQUESTED_FROM_DOWNSTREAM)).isEqualTo(Long.MAX_VALUE);
        up2.error(new IllegalStateException("x"));
        assertThat(stage2.scan(Scannable.Attr.ERROR)).hasMessage("x");
        assertThat(unbounded.error).hasMessage("x");
        unbounded.cancel();
        assertThat(stage2.scan(Scannable.Attr.CANCELLED)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.Kind.class)
    void aPolicyDoesNotRetainSubscriptionsThatEnded(OverflowPolicy.Kind kind) throws InterruptedException {
        OverflowPolicy<Integer> policy = OverflowSemanticsTest.policyOf(kind, 8);
        WeakReference<Object> completed = endedSubscription(policy, false);
        WeakReference<Object> cancelled = endedSubscription(policy, true);
        // bounded wait for the garbage collector to clear both: nothing but the policy could keep them
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while ((completed.get() != null || cancelled.get() != null) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        assertThat(completed.get()).as("completed subscription still reachable").isNull();
        assertThat(cancelled.get()).as("cancelled subscription still reachable").isNull();
    }

    /** Subscribes, completes (or cancels) and returns a weak reference to the stage's subscriber. */
    private static WeakReference<Object> endedSubscription(OverflowPolicy<Integer> policy, boolean cancel) {
        Recorder r = new Recorder();
        TestPublisher<Integer> up = TestPublisher.create();
        up.flux().transform(policy).subscribe(r);
        up.next(1, 2);
        if (cancel) {
            r.cancel();
        } else {
            up.complete();
            r.request(10);
            assertThat(r.completed).isTrue();
        }
        assertThat(policy.buffered()).isZero();
        return new WeakReference<>(r.subscription);
    }

    @Test
    void signalsAfterTheEndGoToReactorsDroppedHooksNotToThePolicy() {
        List<Object> nextDropped = new CopyOnWriteArrayList<>();
        List<Throwable> errorDropped = new CopyOnWriteArrayList<>();
        Hooks.onNextDropped(nextDropped::add);
        Hooks.onErrorDropped(errorDropped::add);
        try {
            OverflowPolicy<Integer> policy = Overflow.dropNewest(4);
            TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
            Recorder r = new Recorder();
            up.flux().transform(policy).subscribe(r);
            r.request(10);
            up.next(1).complete();
            up.next(2);
            up.error(new IllegalStateException("late"));
            assertThat(r.received).containsExactly(1);
            assertThat(r.completed).isTrue();
            assertThat(nextDropped).containsExactly(2);
            assertThat(errorDropped).singleElement().satisfies(e -> assertThat(e).hasMessage("late"));
            assertThat(policy.dropped()).isZero();
        } finally {
            Hooks.resetOnNextDropped();
            Hooks.resetOnErrorDropped();
        }
    }

    @Test
    void theStageSharesItsSubscribersContextAndNamesItself() {
        OverflowPolicy<Integer> policy = Overflow.<Integer>overwriteOldest(16).named("ring");
        assertThat(policy).hasToString("Overflow.overwrite-oldest(16, 'ring')");
        Context ctx = Context.of("tenant", "t1");
        Recorder r = new Recorder() {
            @Override
            public Context currentContext() {
                return ctx;
            }
        };
        TestPublisher.<Integer>create().flux().transform(policy).subscribe(r);
        assertThat(((CoreSubscriber<?>) r.subscription).currentContext().<String>get("tenant")).isEqualTo("t1");
    }

    /** Requests only when told to; keeps the subscription it got, for introspection. */
    static class Recorder implements CoreSubscriber<Integer> {
        volatile Subscription subscription;
        final List<Integer> received = new CopyOnWriteArrayList<>();
        volatile boolean completed;
        volatile Throwable error;

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(Integer value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onComplete() {
            completed = true;
        }

        void request(long n) {
            subscription.request(n);
        }

        void cancel() {
            subscription.cancel();
        }
    }

    @Test
    void persistentBuildsADurableStageInTheGivenDirectory(@TempDir Path dir) throws IOException {
        try (PersistentOverflow stage = Overflow.persistent(dir).fsync(Fsync.NEVER).segmentBytes(1 << 16)
                .maxBytes(1 << 20).build()) {
            StepVerifier.create(Flux.just(Message.builder().payload("x".getBytes()).build()).transform(stage)
                            .map(Message::payloadUtf8))
                    .expectNext("x")
                    .expectComplete()
                    .verify(TIMEOUT);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("the log lives in the given directory").isNotEmpty();
        }
    }
}
