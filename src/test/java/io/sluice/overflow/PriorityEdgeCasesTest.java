package io.sluice.overflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * Paths of the priority stage the semantics tests ({@link PriorityOverflowTest}) do not pin down:
 * what happens to the element whose priority or key function throws, a fatal error from those
 * functions, and the header-ranked stage without a key header.
 */
class PriorityEdgeCasesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static Message job(String name, String priority) {
        Message.Builder b = Message.builder().payload(name.getBytes()).header("item", name);
        return priority == null ? b.build() : b.header("priority", priority).build();
    }

    @Test
    void theElementWhoseKeyFunctionThrowsIsDiscardedNotDroppedAndTheStageFails() {
        List<Object> discarded = new CopyOnWriteArrayList<>();
        List<String> onDrop = new CopyOnWriteArrayList<>();
        OverflowPolicy<String> policy = Overflow.<String>priorityByKey(4, s -> {
            if (s.equals("bad")) {
                throw new IllegalArgumentException("no key for bad");
            }
            return s;
        }, String::length).onDrop(onDrop::add);
        TestPublisher<String> up = TestPublisher.create();
        StepVerifier.create(up.flux().transform(policy).doOnDiscard(String.class, discarded::add), 0)
                .then(() -> up.next("a", "bad"))
                .then(up::assertCancelled)
                .thenRequest(5)
                .expectNext("a")
                .expectErrorMessage("no key for bad")
                .verify(TIMEOUT);
        // handed to Reactor's discard hook once; not an overflow drop (no counter, no onDrop)
        assertThat(discarded).containsExactly("bad");
        assertThat(onDrop).isEmpty();
        assertThat(policy.dropped()).isZero();
        assertThat(policy.merged()).isZero();
    }

    @Test
    void aThrowingPriorityFunctionWithNothingBufferedFailsAtOnceWithoutDemand() {
        OverflowPolicy<String> policy = Overflow.<String>priority(4, s -> {
            throw new IllegalStateException("no priority for " + s);
        });
        TestPublisher<String> up = TestPublisher.create();
        // no request at all: the failure must still reach downstream (nothing is buffered before it)
        StepVerifier.create(up.flux().transform(policy), 0)
                .then(() -> up.next("x"))
                .expectErrorMessage("no priority for x")
                .verify(TIMEOUT);
        up.assertCancelled();
    }

    @Test
    void aFatalErrorFromThePriorityFunctionIsThrownNotTurnedIntoAnOnError() {
        List<Object> discarded = new CopyOnWriteArrayList<>();
        OverflowPolicy<String> policy = Overflow.<String>priority(4, s -> {
            if (s.equals("fatal")) {
                throw new NoClassDefFoundError("simulated linkage error");
            }
            return 1L;
        });
        TestPublisher<String> up = TestPublisher.create();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        // no demand, so every element goes through enqueue (and the priority function)
        up.flux().transform(policy).doOnDiscard(String.class, discarded::add).subscribe(new BaseSubscriber<String>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
            }

            @Override
            protected void hookOnError(Throwable throwable) {
                errors.add(throwable);
            }
        });
        up.next("a");
        // Reactor's rule (Exceptions.throwIfFatal): a JVM-fatal error is rethrown to the caller
        assertThatThrownBy(() -> up.next("fatal")).isInstanceOf(NoClassDefFoundError.class)
                .hasMessage("simulated linkage error");
        assertThat(errors).isEmpty();
        assertThat(discarded).isEmpty();
        assertThat(policy.buffered()).isEqualTo(1);
    }

    @Test
    void headerRankedWithoutAKeyHeaderNeverMerges() {
        TestPublisher<Message> up = TestPublisher.create();
        OverflowPolicy<Message> policy = Overflow.priorityByHeaders(8, "priority", null);
        StepVerifier.create(up.flux().transform(policy).map(Message::payloadUtf8), 0)
                // same item header twice: without a key header both are kept; a missing or
                // non-numeric priority ranks as 0, and " 7 " is read as 7
                .then(() -> up.next(job("x", "x"), job("a", "5"), job("a", "10"), job("n", null), job("b", " 7 "),
                        job("m", "-1")).complete())
                .thenRequest(10)
                .expectNext("a", "b", "a", "x", "n", "m")
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(policy.merged()).isZero();
    }
}
