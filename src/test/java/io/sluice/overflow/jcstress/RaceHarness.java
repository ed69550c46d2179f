package io.sluice.overflow.jcstress;

import io.sluice.overflow.OverflowPolicy;
import java.util.ArrayList;
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
 * Records what was delivered (in order) and what the drop hook received.
 */
final class RaceHarness {

    private Subscriber<? super Integer> stage;
    private final List<Integer> delivered = new ArrayList<>();
    private final Queue<Integer> dropped = new ConcurrentLinkedQueue<>();
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
        }).transform(p).subscribe(consumer);
    }

    void produce(int value) {
        stage.onNext(value);
    }

    void request(long n) {
        consumer.request(n);
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
}
