package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * Semantics of {@link Overflow#priority} and {@link Overflow#priorityByKey}, driven request by
 * request with StepVerifier. Elements are {@link Job}s (name + priority) so order, ties and
 * evictions are visible.
 */
class PriorityOverflowTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** An element with a name and a priority. */
    record Job(String name, long priority) {
        static Job of(String name, long priority) {
            return new Job(name, priority);
        }

        @Override
        public String toString() {
            return name + ":" + priority;
        }
    }

    /** Every reporting channel of a stage, recorded. */
    private static final class Recorded {
        final List<Job> onDrop = new ArrayList<>();
        final List<Object> discarded = new ArrayList<>();
        final List<Dropped> events = new ArrayList<>();
        final OverflowPolicy<Job> policy;

        Recorded(OverflowPolicy<Job> base) {
            EventDispatcher dispatcher = new EventDispatcher();
            dispatcher.on(Dropped.class, events::add);
            policy = base.named("jobs").onDrop(onDrop::add).events(dispatcher);
        }

        Flux<Job> apply(Flux<Job> upstream) {
            return upstream.transform(policy).doOnDiscard(Job.class, discarded::add);
        }
    }

    private static OverflowPolicy<Job> byPriority(int capacity) {
        return Overflow.priority(capacity, Job::priority);
    }

    private static OverflowPolicy<Job> byName(int capacity) {
        return Overflow.priorityByKey(capacity, Job::name, Job::priority);
    }

    @Test
    void highestPriorityFirstAndFifoAmongEquals() {
        TestPublisher<Job> up = TestPublisher.create();
        Job a = Job.of("a", 1);
        Job b = Job.of("b", 5);
        Job c = Job.of("c", 1);
        Job d = Job.of("d", 5);
        Job e = Job.of("e", 3);
        StepVerifier.create(up.flux().transform(byPriority(8)), 0)
                .then(() -> up.next(a, b, c, d, e).complete())
                .thenRequest(1)
                .expectNext(b)
                .thenRequest(10)
                .expectNext(d, e, a, c)
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void anElementArrivingWithDemandAndNothingBufferedGoesStraightThrough() {
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(byPriority(2)), 0)
                .thenRequest(1)
                .then(() -> up.next(Job.of("low", 1)))
                .expectNext(Job.of("low", 1))
                .then(() -> up.next(Job.of("x", 1), Job.of("y", 9)))
                .thenRequest(2)
                .expectNext(Job.of("y", 9), Job.of("x", 1))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void fullEvictsTheLowestAndReportsItOnEveryChannel() {
        Recorded r = new Recorded(byPriority(3));
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(r.apply(up.flux()), 0)
                .then(() -> up.next(Job.of("a", 5), Job.of("b", 1), Job.of("c", 7)))
                // full: d (3) evicts b (1), the lowest
                .then(() -> up.next(Job.of("d", 3)))
                .then(() -> assertThat(r.policy.buffered()).isEqualTo(3))
                .thenRequest(10)
                .expectNext(Job.of("c", 7), Job.of("a", 5), Job.of("d", 3))
                .then(up::complete)
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(r.onDrop).containsExactly(Job.of("b", 1));
        assertThat(r.discarded).containsExactly(Job.of("b", 1));
        assertThat(r.policy.dropped()).isEqualTo(1);
        assertThat(r.events).singleElement().satisfies(d -> {
            assertThat(d.stage()).isEqualTo("jobs");
            assertThat(d.policy()).isEqualTo("priority");
            assertThat(d.totalDropped()).isEqualTo(1);
        });
    }

    @Test
    void anIncomingElementThatIsTheLowestIsTheOneDropped() {
        Recorded r = new Recorded(byPriority(2));
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(r.apply(up.flux()), 0)
                .then(() -> up.next(Job.of("a", 5), Job.of("b", 4)))
                // lower than everything held
                .then(() -> up.next(Job.of("low", 1)))
                // equal to the lowest held: it would be delivered after b, so it is the lowest
                .then(() -> up.next(Job.of("tie", 4)))
                // c evicts b, the lowest held
                .then(() -> up.next(Job.of("c", 9)))
                .thenRequest(10)
                .expectNext(Job.of("c", 9), Job.of("a", 5))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(r.onDrop).containsExactly(Job.of("low", 1), Job.of("tie", 4), Job.of("b", 4));
        assertThat(r.discarded).containsExactly(Job.of("low", 1), Job.of("tie", 4), Job.of("b", 4));
        assertThat(r.events).extracting(Dropped::totalDropped).containsExactly(1L, 2L, 3L);
        assertThat(r.policy.dropped()).isEqualTo(3);
    }

    @Test
    void amongEqualLowestTheNewestIsEvicted() {
        List<Job> dropped = new ArrayList<>();
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(byPriority(3).onDrop(dropped::add)), 0)
                .then(() -> up.next(Job.of("old", 1), Job.of("new", 1), Job.of("top", 8), Job.of("mid", 4)))
                .thenRequest(3)
                .expectNext(Job.of("top", 8), Job.of("mid", 4), Job.of("old", 1))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(dropped).containsExactly(Job.of("new", 1));
    }

    @Test
    void keyedMergeAddsPrioritiesLikeBarbershopUpdate() {
        Recorded r = new Recorded(byName(8));
        TestPublisher<Job> up = TestPublisher.create();
        // the transcript: UPDATE a 5, UPDATE b 10, UPDATE a 10 -> a (15), b (10)
        StepVerifier.create(r.apply(up.flux()), 0)
                .then(() -> up.next(Job.of("a", 5), Job.of("b", 10), Job.of("a", 10)))
                .then(() -> assertThat(r.policy.buffered()).isEqualTo(2))
                .thenRequest(2)
                // the buffered element stays (its own priority field says 5); its rank is 15
                .expectNext(Job.of("a", 5), Job.of("b", 10))
                // delivered: a is no longer buffered, so a new a is a new element
                .then(() -> up.next(Job.of("a", 1)))
                .thenRequest(1)
                .expectNext(Job.of("a", 1))
                .then(up::complete)
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(r.policy.merged()).isEqualTo(1);
        assertThat(r.policy.dropped()).isZero();
        assertThat(r.events).isEmpty();
        assertThat(r.onDrop).containsExactly(Job.of("a", 10));
        assertThat(r.discarded).containsExactly(Job.of("a", 10));
    }

    @Test
    void keyedMergeCanUseAnotherOperatorAndKeepsFifoPositionAmongEquals() {
        TestPublisher<Job> up = TestPublisher.create();
        OverflowPolicy<Job> max = Overflow.priorityByKey(8, Job::name, Job::priority, Math::max);
        StepVerifier.create(up.flux().transform(max), 0)
                .then(() -> up.next(Job.of("a", 3), Job.of("b", 3), Job.of("a", 2), Job.of("c", 9), Job.of("b", 9)))
                .thenRequest(3)
                // b rose to 9 and ties with c; c was buffered later than b, so b first
                .expectNext(Job.of("b", 3), Job.of("c", 9), Job.of("a", 3))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void aMergeIntoAFullBufferEvictsNothing() {
        Recorded r = new Recorded(byName(2));
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(r.apply(up.flux()), 0)
                .then(() -> up.next(Job.of("a", 1), Job.of("b", 2), Job.of("a", 5)))
                .thenRequest(2)
                .expectNext(Job.of("a", 1), Job.of("b", 2))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(r.policy.dropped()).isZero();
        assertThat(r.policy.merged()).isEqualTo(1);
    }

    @Test
    void cancelDiscardsEveryBufferedElementOnceInPriorityOrder() {
        Recorded r = new Recorded(byPriority(8));
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(r.apply(up.flux()), 0)
                .then(() -> up.next(Job.of("a", 1), Job.of("b", 9), Job.of("c", 5)))
                .thenRequest(1)
                .expectNext(Job.of("b", 9))
                .thenCancel()
                .verify(TIMEOUT);
        up.assertCancelled();
        assertThat(r.onDrop).containsExactly(Job.of("c", 5), Job.of("a", 1));
        assertThat(r.discarded).containsExactly(Job.of("c", 5), Job.of("a", 1));
        assertThat(r.policy.discardedOnCancel()).isEqualTo(2);
        assertThat(r.policy.dropped()).isZero();
        assertThat(r.policy.buffered()).isZero();
    }

    @Test
    void completionAndErrorWaitForTheBufferToDrain() {
        TestPublisher<Job> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(byPriority(4)), 0)
                .then(() -> up.next(Job.of("a", 1), Job.of("b", 2)).error(new IllegalStateException("boom")))
                .thenRequest(1)
                .expectNext(Job.of("b", 2))
                .thenRequest(1)
                .expectNext(Job.of("a", 1))
                .expectErrorMessage("boom")
                .verify(TIMEOUT);
    }

    @Test
    void aThrowingPriorityFunctionFailsTheStageAfterTheBufferedElements() {
        TestPublisher<Job> up = TestPublisher.create();
        OverflowPolicy<Job> policy = Overflow.priority(4, j -> {
            if (j.name().equals("bad")) {
                throw new IllegalArgumentException("no priority for bad");
            }
            return j.priority();
        });
        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> up.next(Job.of("a", 1), Job.of("bad", 1)))
                .then(up::assertCancelled)
                .thenRequest(5)
                .expectNext(Job.of("a", 1))
                .expectErrorMessage("no priority for bad")
                .verify(TIMEOUT);
    }

    @Test
    void messagesAreRankedAndMergedByHeaders() {
        Message a = Message.builder().payload("a".getBytes()).header("item", "a").header("priority", "5").build();
        Message b = Message.builder().payload("b".getBytes()).header("item", "b").header("priority", "10").build();
        Message a2 = Message.builder().payload("a".getBytes()).header("item", "a").header("priority", "10").build();
        Message junk = Message.builder().payload("j".getBytes()).header("item", "j").header("priority", "x").build();
        TestPublisher<Message> up = TestPublisher.create();
        OverflowPolicy<Message> policy = Overflow.priorityByHeaders(8, "priority", "item");
        StepVerifier.create(up.flux().transform(policy).map(Message::payloadUtf8), 0)
                .then(() -> up.next(junk, a, b, a2).complete())
                .thenRequest(10)
                .expectNext("a", "b", "j")
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void policyNamesComeFromTheKindEnum() {
        assertThat(OverflowPolicy.Kind.yamlNames())
                .containsExactly("drop-newest", "overwrite-oldest", "block", "fail", "priority");
        assertThat(OverflowPolicy.Kind.fromYamlName("priority")).contains(OverflowPolicy.Kind.PRIORITY);
        assertThat(OverflowPolicy.Kind.fromYamlName("lifo")).isEmpty();
        for (OverflowPolicy.Kind k : OverflowPolicy.Kind.values()) {
            assertThat(k.description()).isNotBlank();
            if (k != OverflowPolicy.Kind.PRIORITY) {
                assertThat(Overflow.of(k, 4).kind()).isEqualTo(k);
            }
        }
        assertThatThrownBy(() -> Overflow.of(OverflowPolicy.Kind.PRIORITY, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Overflow.priority");
        assertThatThrownBy(() -> Overflow.priority(0, x -> 0L)).isInstanceOf(IllegalArgumentException.class);
    }
}
