package io.sluice.overflow.jcstress;

import io.sluice.overflow.OverflowPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * One overflow stage under test, with direct access to both sides: {@link #produce(int)} calls the
 * stage's {@code onNext} like an upstream would, {@link #request(long)} is the downstream demand.
 * Records what was delivered (in order), what the drop hook received and what Reactor's discard
 * hook ({@code doOnDiscard}) received.
 */
final class RaceHarness {

    private Subscriber<? super Integer> stage;
    private final List<Integer> delivered = new ArrayList<>();
    private final Queue<Integer> dropped = new ConcurrentLinkedQueue<>();
    private final Queue<Integer> discarded = new ConcurrentLinkedQueue<>();
    private final OverflowPolicy<Integer> policy;
    private final BaseSubscriber<Integer> consumer = new BaseSubscriber<>() {
        @Override
        protected void hookOnSubscribe(Subscription s) {
            // demand comes only from request()
        }

        @Override
        protected void hookOnNext(Integer value) {
            // written by whichever thread runs the drain loop; serialised by the stage's WIP counter
            delivered.add(value);
        }
    };

    RaceHarness(Function<OverflowPolicy<Integer>, OverflowPolicy<Integer>> configure, OverflowPolicy<Integer> policy) {
        OverflowPolicy<Integer> p = configure.apply(policy).onDrop(dropped::add);
        this.policy = p;
        Flux.<Integer>from(s -> {
            stage = s;
            s.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    // an upstream that emits only when the producer actor says so
                }

                @Override
                public void cancel() {
                }
            });
        }).transform(p).doOnDiscard(Integer.class, discarded::add).subscribe(consumer);
    }

    void produce(int value) {
        stage.onNext(value);
    }

    void request(long n) {
        consumer.request(n);
    }

    /** Downstream cancels. */
    void cancel() {
        consumer.cancel();
    }

    /**
     * Describes the run without adding demand: {@code D=} delivered in order, {@code X=} dropped in
     * drop order, and {@code STUCK=n} if {@code n} elements are still buffered although demand is
     * outstanding (the stage skipped a drain it needed). For runs whose consumer requested more than
     * the producer emits.
     */
    String outcomeWithoutDraining() {
        StringBuilder sb = new StringBuilder("D=");
        delivered.forEach(sb::append);
        sb.append(" X=");
        dropped.forEach(sb::append);
        int left = policy.buffered();
        if (left > 0) {
            sb.append(" STUCK=").append(left);
        }
        return sb.toString();
    }

    /**
     * Drains the rest and describes the run: {@code D=} the delivered elements in order, {@code X=}
     * the dropped ones in drop order (e.g. {@code "D=23 X=1"}).
     */
    String outcome() {
        consumer.request(Long.MAX_VALUE);
        StringBuilder sb = new StringBuilder("D=");
        delivered.forEach(sb::append);
        sb.append(" X=");
        dropped.forEach(sb::append);
        return sb.toString();
    }

    /**
     * For runs where order across the two channels is racy (e.g. cancel): {@code D=} the delivered
     * elements in order, {@code X=} the elements the drop hook received, sorted, {@code R=} those
     * Reactor's discard hook received, sorted. Sorting keeps duplicates visible ({@code X=223}). If
     * the policy's counters disagree with the hook ({@code dropped() + discardedOnCancel() + merged()}
     * is not the number of hook calls) the outcome ends with {@code BAD-COUNT}.
     */
    String sortedOutcome() {
        StringBuilder sb = new StringBuilder("D=");
        delivered.forEach(sb::append);
        sb.append(" X=");
        sorted(dropped).forEach(sb::append);
        sb.append(" R=");
        sorted(discarded).forEach(sb::append);
        if (policy.dropped() + policy.discardedOnCancel() + policy.merged() != dropped.size()) {
            sb.append(" BAD-COUNT");
        }
        return sb.toString();
    }

    private static List<Integer> sorted(Queue<Integer> q) {
        Integer[] a = q.toArray(new Integer[0]);
        Arrays.sort(a);
        return Arrays.asList(a);
    }
}
