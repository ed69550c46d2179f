package io.sluice.overflow.jcstress;

import io.sluice.overflow.OverflowPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.publisher.Flux;

/**
 * One overflow stage under test in Reactor's ASYNC fusion mode, as {@code publishOn} uses it: the
 * downstream polls the stage's buffer itself. {@link #produce(int)} calls the stage's
 * {@code onNext} like an upstream would; {@link #poll()} and {@link #cancel()} are the downstream.
 * Records what was delivered (in order) and what the drop hook received.
 *
 * <p>It also models {@code publishOn}'s reaction to the stage's wake-up signal ({@code onNext(null)}):
 * a work-in-progress counter that schedules a drain pass when it leaves 0, and a pass that polls
 * until the buffer is empty and then ends only if no signal came meanwhile (reactor-core's
 * "missed" loop). {@link #runScheduledPass()} runs a pass if one was scheduled, as the scheduler's
 * thread would, so a test can tell an element that no pass will ever take (the stage skipped a
 * signal it needed) from one that is merely not taken yet.
 */
final class FusedHarness {

    private Subscriber<? super Integer> stage;
    private Fuseable.QueueSubscription<Integer> queue;
    private int mode;
    private final List<Integer> delivered = new ArrayList<>();
    private final Queue<Integer> dropped = new ConcurrentLinkedQueue<>();
    private final OverflowPolicy<Integer> policy;
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    FusedHarness(OverflowPolicy<Integer> policy) {
        this.policy = policy.onDrop(dropped::add);
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
        }).transform(this.policy).subscribe(new CoreSubscriber<Integer>() {
            @Override
            @SuppressWarnings("unchecked")
            public void onSubscribe(Subscription s) {
                queue = (Fuseable.QueueSubscription<Integer>) s;
                mode = queue.requestFusion(Fuseable.ANY | Fuseable.THREAD_BARRIER);
            }

            @Override
            public void onNext(Integer ignored) {
                // the fused wake-up signal, as publishOn's trySchedule takes it; actors that poll
                // on their own ignore the scheduled pass
                if (wip.getAndIncrement() == 0) {
                    scheduled.set(true);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
    }

    void produce(int value) {
        stage.onNext(value);
    }

    /** Downstream takes one element if there is one. */
    void poll() {
        pollOne();
    }

    /**
     * Runs the drain pass the wake-up signals scheduled, if any (publishOn's {@code runAsync}):
     * polls until empty, then ends only if no signal arrived meanwhile, else polls again.
     */
    void runScheduledPass() {
        if (!scheduled.compareAndSet(true, false)) {
            return;
        }
        int missed = 1;
        for (;;) {
            while (pollOne()) {
                // until empty
            }
            int w = wip.get();
            if (missed == w) {
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            } else {
                missed = w;
            }
        }
    }

    private boolean pollOne() {
        Integer v = queue.poll();
        if (v != null) {
            delivered.add(v);
        }
        return v != null;
    }

    /**
     * After the scheduled passes ran: {@code D=} delivered in order, {@code X=} the drop hook's
     * elements in hook order, and {@code STRANDED=n} if {@code n} elements are still buffered
     * although no pass is scheduled (nothing would ever deliver them).
     */
    String passOutcome() {
        runScheduledPass();
        String s = describe(false);
        int left = queue.size();
        if (left > 0) {
            s += " STRANDED=" + left;
        }
        return s;
    }

    /** Downstream cancels, then clears the buffer, as {@code publishOn} does. */
    void cancel() {
        queue.cancel();
        queue.clear();
    }

    /**
     * Polls the rest and describes the run: {@code D=} the delivered elements in order, {@code X=}
     * the drop hook's elements in hook order ({@code NOT-FUSED} if the stage refused fusion).
     */
    String outcome() {
        Integer v;
        while ((v = queue.poll()) != null) {
            delivered.add(v);
        }
        return describe(false);
    }

    /**
     * After a cancel: {@code D=} delivered in order, {@code X=} the drop hook's elements sorted
     * (duplicates stay visible); {@code BAD-COUNT} if {@code dropped() + discardedOnCancel()} is
     * not the number of hook calls, {@code LEFT} if anything is still buffered.
     */
    String sortedOutcome() {
        String s = describe(true);
        if (policy.dropped() + policy.discardedOnCancel() != dropped.size()) {
            s += " BAD-COUNT";
        }
        if (!queue.isEmpty()) {
            s += " LEFT";
        }
        return s;
    }

    private String describe(boolean sort) {
        StringBuilder sb = new StringBuilder(mode == Fuseable.ASYNC ? "D=" : "NOT-FUSED D=");
        delivered.forEach(sb::append);
        sb.append(" X=");
        Integer[] x = dropped.toArray(new Integer[0]);
        if (sort) {
            Arrays.sort(x);
        }
        for (Integer i : x) {
            sb.append(i);
        }
        return sb.toString();
    }
}
