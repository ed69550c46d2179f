package io.sluice.overflow;

import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import java.time.Duration;
import reactor.core.publisher.Flux;

/**
 * Reactive Streams TCK (publisher rules) for each overflow policy. The lossy policies get a
 * capacity at least as large as the longest finite sequence the TCK asks for, so the rules that
 * count elements hold without any drop; what they verify is the Reactive Streams contract:
 * request accounting, cancellation, terminal signals, no emission without demand. Rule 3.17
 * (pending demand above Long.MAX_VALUE) runs on an endless upstream.
 */
public abstract class OverflowTckTest extends PublisherVerification<Integer> {

    private static final int CAPACITY = 4096;

    @Override
    public long maxElementsFromPublisher() {
        return Long.MAX_VALUE - 1;
    }

    OverflowTckTest() {
        super(new TestEnvironment(1000, 200));
    }

    abstract OverflowPolicy<Integer> policy();

    @Override
    public Publisher<Integer> createPublisher(long elements) {
        OverflowPolicy<Integer> policy = policy();
        Flux<Integer> upstream;
        if (elements <= CAPACITY) {
            upstream = Flux.range(0, (int) elements);
        } else if (policy.kind() == OverflowPolicy.Kind.BLOCK) {
            // "Unbounded" (rule 3.17 asks for more than Integer.MAX_VALUE): a backpressured endless counter.
            upstream = Flux.generate(() -> 0, (i, sink) -> {
                sink.next(i);
                return i + 1;
            });
        } else {
            // Lossy stages request everything at once; an endless source must then be asynchronous,
            // or it would never return from subscribe. A 1 ms ticker is endless and cheap.
            upstream = Flux.interval(Duration.ofMillis(1)).map(Long::intValue);
        }
        return upstream.transform(policy);
    }

    @Override
    public Publisher<Integer> createFailedPublisher() {
        return Flux.<Integer>error(new IllegalStateException("failed on purpose")).transform(policy());
    }

    /** Drop-newest. */
    public static class DropNewest extends OverflowTckTest {
        @Override
        OverflowPolicy<Integer> policy() {
            return Overflow.dropNewest(CAPACITY);
        }
    }

    /** Overwrite-oldest. */
    public static class OverwriteOldest extends OverflowTckTest {
        @Override
        OverflowPolicy<Integer> policy() {
            return Overflow.overwriteOldest(CAPACITY);
        }
    }

    /** Block: lossless, so any length works; bounded batches upstream. */
    public static class Block extends OverflowTckTest {
        @Override
        OverflowPolicy<Integer> policy() {
            return Overflow.block(16);
        }
    }

    /** Priority, keyed (every element its own key: merging never hides an element from the count rules). */
    public static class Priority extends OverflowTckTest {
        @Override
        OverflowPolicy<Integer> policy() {
            // decreasing priority = emission order, so elements come out in the order the rules expect
            return Overflow.priorityByKey(CAPACITY, i -> i, i -> -(long) i);
        }
    }

    /** Fail. */
    public static class Fail extends OverflowTckTest {
        @Override
        OverflowPolicy<Integer> policy() {
            return Overflow.fail(CAPACITY);
        }
    }
}
