package io.sluice.overflow;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * Common part of the overflow stages: the Reactive Streams plumbing and the drain loop.
 *
 * <p>The producer side ({@link #onNext}) hands each element to {@link #enqueue}, which either stores
 * it or applies the policy (drop, overwrite, fail), then calls {@link #drain()} unless the element
 * was simply dropped (nothing changed for the consumer). Fast path: when no other thread is
 * draining ({@code wip} moves from 0 to 1 by CAS), nothing is buffered and downstream demand is
 * outstanding, {@code onNext} hands the element straight downstream, as the drain loop would; it
 * then releases {@code wip} and runs the loop only if another thread signalled meanwhile. Demand is
 * tracked as the total requested (atomic add, capped) minus the total delivered ({@code produced},
 * a plain field written only by the drain owner), so delivery costs no atomic update. The consumer side
 * is the drain loop, serialised by the work-in-progress counter {@code wip} (the "missed" pattern
 * of reactor-core): whichever thread moves {@code wip} from 0 runs the loop and loops again while
 * other threads signalled in the meantime, so exactly one thread runs {@link #poll()} for delivery
 * at any time. The loop emits at most {@code requested} elements, delivers the terminal signal only
 * once the buffer is empty, and on cancel hands every buffered element to the discard hook.
 * Because every {@code enqueue} that stores an element is followed by a {@code drain()} (or stored
 * it behind an older element that a later loop pass must claim, see {@link #enqueue}), an element
 * enqueued concurrently with a cancel is still discarded by the loop that runs after it: nothing
 * leaks.
 *
 * <p>The subscription's fields, Reactor's introspection, the output-fusion entry points (a fused
 * downstream polls the buffer itself: no drain loop, see {@link OverflowState}) and the policy
 * actions ({@link #drop}, {@link #overflow}, {@link #failAfterDrain}) are the layer below,
 * {@link OverflowState}; the buffers ({@link #enqueue}, {@link #poll()}) are the subclasses.
 */
abstract class OverflowSubscriber<T> extends OverflowState<T> {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<OverflowState> WIP =
            AtomicIntegerFieldUpdater.newUpdater(OverflowState.class, "wip");
    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<OverflowState> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(OverflowState.class, "requested");

    OverflowSubscriber(CoreSubscriber<? super T> actual, OverflowPolicy<T> policy) {
        super(actual, policy);
    }

    /**
     * Producer side: store {@code element} or apply the policy. Called serially (Reactive Streams
     * rule 1.3), never concurrently with itself.
     *
     * @return true when the drain loop must run (or, fused, downstream be signalled): the element
     *     was stored, or the stage must now terminate; false when the element was dropped and
     *     nothing else changed, or (a subclass whose takes are all claims on one word, see
     *     {@link OverwriteOldestSubscriber}) it was stored behind an older element still unclaimed,
     *     whose claimer will see it
     */
    abstract boolean enqueue(T element);

    /** @return what to request from upstream on subscribe */
    long initialRequest() {
        return Long.MAX_VALUE;
    }

    /** Called by the drain loop after it emitted {@code n} elements. */
    void emitted(long n) {
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(upstream, s)) {
            upstream = s;
            policy.subscribed(this);
            actual.onSubscribe(this);
            s.request(initialRequest());
        }
    }

    @Override
    public void onNext(T element) {
        if (done) {
            lateElement(element);
            return;
        }
        if (cancelled) {
            policy.discard(element, context);
            return;
        }
        if (outputFused) {
            // the downstream polls: store, then wake it (unless enqueue says an older element is
            // still unclaimed: whoever claims it sees this one too). A cancel that raced the store:
            // the downstream clears after its cancel; clearing here too keeps the element from
            // staying buffered whatever the downstream does
            if (enqueue(element)) {
                actual.onNext(null);
            }
            if (cancelled) {
                fusedClear();
            }
            return;
        }
        if (!behind && wip == 0 && isEmpty() && WIP.compareAndSet(this, 0, 1)) {
            // fast path: this thread owns the drain loop; with nothing buffered and demand
            // outstanding the element goes straight downstream, never touching the buffer
            if (!cancelled && produced != requested && isEmpty()) {
                produced++;
                actual.onNext(element);
                emitted(1);
                if (WIP.decrementAndGet(this) == 0) {
                    return;
                }
            } else if (!stored(enqueue(element)) && WIP.decrementAndGet(this) == 0) {
                return;
            }
            drainLoop();
            return;
        }
        if (stored(enqueue(element))) {
            drain();
        }
    }

    /**
     * Remembers {@link #enqueue}'s answer in {@link #behind}, storing to the field only when it
     * changes (the consumer reads fields on the same cache line).
     *
     * @return {@code signal}
     */
    private boolean stored(boolean signal) {
        if (behind == signal) {
            behind = !signal;
        }
        return signal;
    }

    @Override
    public void onError(Throwable t) {
        if (done) {
            Operators.onErrorDropped(t, context);
            return;
        }
        error = t;
        done = true;
        if (outputFused) {
            actual.onError(t);
            return;
        }
        drain();
    }

    @Override
    public void onComplete() {
        if (done) {
            return;
        }
        done = true;
        if (outputFused) {
            actual.onComplete();
            return;
        }
        drain();
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n) && !outputFused) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        upstream.cancel();
        if (!outputFused) {
            drain();
        }
    }

    final void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        drainLoop();
    }

    /** The drain loop proper; the caller has moved {@code wip} from 0 and owns it. */
    private void drainLoop() {
        int missed = 1;
        for (;;) {
            if (cancelled) {
                discardAll();
                policy.ended(this);
            } else if (!terminated) {
                emitLoop();
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void emitLoop() {
        long r = requested;
        long p = produced;
        long e = p;
        while (e != r) {
            boolean d = done;
            T v = poll();
            if (v == null) {
                if (d) {
                    produced = e;
                    terminate();
                    return;
                }
                break;
            }
            actual.onNext(v);
            e++;
            if (cancelled) {
                produced = e;
                discardAll();
                return;
            }
        }
        produced = e;
        if (e == r && done && isEmpty()) {
            terminate();
            return;
        }
        if (e != p) {
            emitted(e - p);
        }
    }

    private void terminate() {
        terminated = true;
        policy.ended(this);
        Throwable ex = error;
        if (ex != null) {
            actual.onError(ex);
        } else {
            actual.onComplete();
        }
    }
}
