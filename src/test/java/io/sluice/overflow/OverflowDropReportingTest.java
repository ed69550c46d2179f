package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * Every overflow drop of every policy reaches all three reporting channels exactly once: the
 * {@code onDrop} hook, Reactor's discard hook ({@code doOnDiscard}) and a {@link Dropped} event,
 * and is counted in {@link OverflowPolicy#dropped()}. Drop-newest is covered in
 * {@link OverflowSemanticsTest}; here: overwrite-oldest evictions, fail's rejected element, and the
 * excess of an upstream that emits more than block asked for.
 */
class OverflowDropReportingTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The three channels a drop must reach, recorded for one policy. */
    private static final class Channels {
        final List<Integer> onDrop = new ArrayList<>();
        final List<Object> discarded = new ArrayList<>();
        final List<Dropped> events = new ArrayList<>();
        final EventDispatcher dispatcher = new EventDispatcher();
        final OverflowPolicy<Integer> policy;

        Channels(OverflowPolicy<Integer> base, String name) {
            dispatcher.on(Dropped.class, events::add);
            policy = base.named(name).onDrop(onDrop::add).events(dispatcher);
        }

        Function<Flux<Integer>, Flux<Integer>> stage() {
            return f -> f.transform(policy).doOnDiscard(Integer.class, discarded::add);
        }

        void assertDropped(String policyLabel, Integer... expected) {
            assertThat(onDrop).as("onDrop hook").containsExactly(expected);
            assertThat(discarded).as("Reactor discard hook").containsExactly((Object[]) expected);
            assertThat(policy.dropped()).as("dropped()").isEqualTo(expected.length);
            assertThat(events).as("Dropped events").hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                Dropped d = events.get(i);
                assertThat(d.stage()).isEqualTo(policy.name());
                assertThat(d.policy()).isEqualTo(policyLabel);
                assertThat(d.totalDropped()).isEqualTo(i + 1L);
            }
            assertThat(policy.discardedOnCancel()).as("discardedOnCancel()").isZero();
        }
    }

    @Test
    void overwriteOldestEvictionsReachEveryHookExactlyOnce() {
        Channels c = new Channels(Overflow.overwriteOldest(3), "ring");
        TestPublisher<Integer> up = TestPublisher.create();

        StepVerifier.create(up.flux().transform(c.stage()), 0)
                .then(() -> OverflowSemanticsTest.emitRange(up, 1, 7))
                .thenRequest(2)
                .expectNext(5, 6)
                .then(() -> up.next(8, 9, 10))
                // buffer 7, 8, 9 when 10 arrives: 7 is evicted
                .thenRequest(10)
                .expectNext(8, 9, 10)
                .then(up::complete)
                .expectComplete()
                .verify(TIMEOUT);

        c.assertDropped("overwrite-oldest", 1, 2, 3, 4, 7);
    }

    @Test
    void failRejectedElementReachesEveryHookExactlyOnce() {
        Channels c = new Channels(Overflow.fail(2), "strict");
        TestPublisher<Integer> up = TestPublisher.create();

        StepVerifier.create(up.flux().transform(c.stage()), 0)
                .then(() -> up.next(1, 2, 3))
                .then(up::assertCancelled)
                .thenRequest(5)
                .expectNext(1, 2)
                .expectError(OverflowException.class)
                .verify(TIMEOUT);

        c.assertDropped("fail", 3);
    }

    @Test
    void failDropsElementsAnUpstreamEmitsAfterTheCancelToo() {
        Channels c = new Channels(Overflow.fail(2), "strict");
        // keeps emitting after being cancelled, as a racing or sloppy upstream may
        TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);

        StepVerifier.create(up.flux().transform(c.stage()), 0)
                .then(() -> up.next(1, 2, 3, 4, 5))
                .thenRequest(5)
                .expectNext(1, 2)
                .expectError(OverflowException.class)
                .verify(TIMEOUT);

        c.assertDropped("fail", 3, 4, 5);
    }

    @Test
    void blockCountsAndReportsWhatAnOverflowingUpstreamEmitsBeyondDemand() {
        Channels c = new Channels(Overflow.block(2), "lossless");
        TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);

        StepVerifier.create(up.flux().transform(c.stage()), 0)
                .then(() -> up.assertMaxRequested(2))
                // 2 requested, 4 emitted: 3 is the first excess element; the stage cancels upstream
                // there, so the (cancellation-honouring) publisher does not deliver 4
                .then(() -> up.next(1, 2, 3, 4))
                .then(up::assertCancelled)
                .thenRequest(10)
                .expectNext(1, 2)
                .expectErrorSatisfies(e -> assertThat(Exceptions.isOverflow(e)).as("overflow: %s", e).isTrue())
                .verify(TIMEOUT);

        c.assertDropped("block", 3);
    }

    @Test
    void blockDropsEveryExcessElementOfAnUpstreamThatAlsoIgnoresCancel() {
        Channels c = new Channels(Overflow.block(2), "lossless");
        TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW,
                TestPublisher.Violation.DEFER_CANCELLATION);

        StepVerifier.create(up.flux().transform(c.stage()), 0)
                .then(() -> up.next(1, 2, 3, 4, 5))
                .thenRequest(10)
                .expectNext(1, 2)
                .expectErrorSatisfies(e -> assertThat(Exceptions.isOverflow(e)).as("overflow: %s", e).isTrue())
                .verify(TIMEOUT);

        c.assertDropped("block", 3, 4, 5);
    }

    @Test
    void blockExcessArrivingWhileDownstreamDrainsIsDroppedNotDelivered() {
        Channels c = new Channels(Overflow.block(3), "lossless");
        TestPublisher<Integer> up = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);

        // block detects an overflowing upstream by its buffer, not by counting demand: after 1 was
        // delivered, 4 exceeds the 3 requested but fits, so it is kept and delivered; 5 does not fit
        // and is the one dropped
        StepVerifier.create(up.flux().transform(c.stage()), 0)
                .then(() -> up.next(1, 2, 3))
                .thenRequest(1)
                .expectNext(1)
                .then(() -> up.next(4, 5))
                .thenRequest(10)
                .expectNext(2, 3, 4)
                .expectErrorSatisfies(e -> assertThat(Exceptions.isOverflow(e)).isTrue())
                .verify(TIMEOUT);

        c.assertDropped("block", 5);
    }
}
