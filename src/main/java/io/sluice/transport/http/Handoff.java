package io.sluice.transport.http;

import io.sluice.Message;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

/**
 * The queue between the request handlers of an {@link HttpSource} and its single subscriber, the
 * pipeline. Its size is bounded by the {@link Permits} each entry carries (given back when the
 * pipeline takes the entry out), and it emits exactly what the pipeline requested.
 *
 * <p>Every {@link #offer} tells its request whether the message was accepted:
 * <ul>
 *   <li>true when it was placed in the queue and the pipeline had no demand, or when the pipeline
 *       received it ({@code onNext}) without cancelling during that call;</li>
 *   <li>false when the pipeline cancelled the source <em>on the same thread, during the
 *       {@code onNext} of that very message</em>, and a stage downstream then reports an error
 *       (Reactor's {@code Scannable.Attr.ERROR}): that is how an {@code Overflow.fail} stage drops
 *       the element that does not fit. A cancel without an error ({@code take(n)} keeping its last
 *       element, a stop) leaves the message accepted. Also false when the hand-off was cancelled
 *       before the message was taken.</li>
 * </ul>
 * The emitter decides "queued, accepted" with a compare-and-set on the entry that the drain loop
 * races with its own "delivering" claim, so an entry is decided once: by the emitter (no demand),
 * or after the delivery (whichever thread delivers it).
 *
 * <p>Serialisation: the drain loop runs under the work-in-progress counter (the "missed" pattern),
 * so one thread at a time delivers; producers never block.
 */
final class Handoff extends Flux<Message> implements Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(Handoff.class);

    private final Queue<Entry> queue = Queues.<Entry>unboundedMultiproducer().get();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile CoreSubscriber<? super Message> actual;
    private volatile boolean cancelled;
    /** Set by {@link #complete()}: offers are refused; completes once the queue is empty. */
    private volatile boolean completing;
    /** Offers between their "refusing?" check and their enqueue; completion waits for them. */
    private final AtomicInteger offering = new AtomicInteger();
    private boolean terminated;
    private volatile Thread delivering;
    private boolean cancelledWhileDelivering;

    @Override
    public void subscribe(CoreSubscriber<? super Message> s) {
        if (!subscribed.compareAndSet(false, true)) {
            Operators.error(s, new IllegalStateException("the HTTP hand-off allows one subscriber"));
            return;
        }
        actual = s;
        s.onSubscribe(this);
        drain();
    }

    /** @return true once the subscriber cancelled or {@link #complete()} was called: offers are refused */
    boolean isRefusing() {
        return cancelled || completing;
    }

    /**
     * Graceful end: refuse new offers, deliver every message already accepted (as demand allows),
     * then complete. An offer racing this call is either refused or delivered before completion:
     * an offer announces itself ({@code offering}) before it checks {@code completing}, and
     * completion requires no announced offer and an empty queue.
     */
    void complete() {
        completing = true;
        drain();
    }

    /**
     * @param m the message of one request
     * @param permit the room it occupies; transferred to the hand-off
     * @return whether the message was accepted (see class doc): decided at once in the common case
     *     (delivered on this thread, or queued without demand), later when another thread is
     *     delivering it right now
     */
    Outcome offer(Message m, Permits.Permit permit) {
        offering.incrementAndGet();
        if (cancelled || completing) {
            offering.decrementAndGet();
            drain();
            return Outcome.REFUSED;
        }
        Entry e = new Entry(m, permit);
        permit.transfer();
        queue.offer(e);
        offering.decrementAndGet();
        drain();
        e.acceptIfPending();
        return e;
    }

    /** Whether an offered message was accepted: {@link #now()} when known, else {@link #later()}. */
    abstract static class Outcome {
        static final Outcome REFUSED = new Outcome() {
            @Override
            Boolean now() {
                return Boolean.FALSE;
            }

            @Override
            Mono<Boolean> later() {
                return FALSE;
            }
        };
        static final Mono<Boolean> TRUE = Mono.just(Boolean.TRUE);
        static final Mono<Boolean> FALSE = Mono.just(Boolean.FALSE);

        /** @return the decision, or null while the pipeline is being handed the message on another thread */
        abstract Boolean now();

        /** @return the decision, once taken */
        abstract Mono<Boolean> later();
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            requested.getAndUpdate(r -> Operators.addCap(r, n));
            drain();
        }
    }

    @Override
    public void cancel() {
        if (delivering == Thread.currentThread()) {
            cancelledWhileDelivering = true;
        }
        cancelled = true;
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        Throwable failure = null;
        do {
            try {
                CoreSubscriber<? super Message> a = actual;
                if (a != null && !cancelled && !terminated) {
                    emit(a);
                    if (completing && !cancelled && queue.isEmpty() && offering.get() == 0) {
                        terminated = true;
                        a.onComplete();
                    }
                }
            } catch (Throwable t) {
                // a subscriber that throws from onNext/onComplete breaks the Reactive Streams
                // contract; stop here, but keep the work-in-progress accounting intact so nothing
                // queued later stays undecided (its request is refused, its permit given back)
                failure = t;
                cancelled = true;
            }
            if (cancelled) {
                clear();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
        if (failure != null) {
            Exceptions.throwIfJvmFatal(failure);
            LOG.error("http source: the pipeline's subscriber threw; the source stops and refuses new requests", failure);
        }
    }

    private void emit(CoreSubscriber<? super Message> a) {
        long r = requested.get();
        long e = 0L;
        while (e != r && !cancelled) {
            Entry entry = queue.poll();
            if (entry == null) {
                break;
            }
            entry.permit.releaseTaken();
            deliver(a, entry);
            e++;
        }
        if (e != 0L && r != Long.MAX_VALUE) {
            requested.addAndGet(-e);
        }
    }

    private void deliver(CoreSubscriber<? super Message> a, Entry entry) {
        boolean decides = entry.claim();
        cancelledWhileDelivering = false;
        delivering = Thread.currentThread();
        boolean accepted = false;
        try {
            a.onNext(entry.message);
            accepted = !(cancelledWhileDelivering && downstreamFailed(a));
        } finally {
            delivering = null;
            if (decides) {
                entry.decide(accepted);
            }
        }
    }

    /**
     * @return true when a subscriber of the downstream chain reports an error (Reactor's
     *     {@link Scannable.Attr#ERROR}), e.g. an {@code Overflow.fail} stage that has just dropped
     *     the element and will signal its overflow once its buffer drained
     */
    private static boolean downstreamFailed(Object a) {
        Scannable s = Scannable.from(a);
        return s.scan(Scannable.Attr.ERROR) != null
                || s.actuals().anyMatch(x -> x.scan(Scannable.Attr.ERROR) != null);
    }

    private void clear() {
        int lost = 0;
        Entry e;
        while ((e = queue.poll()) != null) {
            e.permit.releaseTaken();
            if (!e.refuseIfPending()) {
                lost++;
            }
            e.message.refuse("the http source was cancelled before the pipeline took the message");
        }
        if (lost > 0) {
            LOG.warn("http source cancelled with {} accepted message(s) not yet taken by the pipeline; they are dropped", lost);
        }
    }

    /**
     * One request's message and the decision about it. The decision is a plain volatile field, read
     * by the request at once; only a request that finds it undecided (another thread is delivering
     * the message) sets up a wait, which whichever side comes second completes.
     */
    private static final class Entry extends Outcome {
        private static final int PENDING = 0;
        private static final int DELIVERING = 1;
        private static final int DECIDED = 2;

        final Message message;
        final Permits.Permit permit;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private volatile Boolean result;
        private volatile MonoSink<Boolean> waiter;

        Entry(Message message, Permits.Permit permit) {
            this.message = message;
            this.permit = permit;
        }

        @Override
        Boolean now() {
            return result;
        }

        @Override
        Mono<Boolean> later() {
            Boolean r = result;
            if (r != null) {
                return r ? TRUE : FALSE;
            }
            return Mono.create(sink -> {
                waiter = sink;
                Boolean x = result;
                if (x != null) {
                    sink.success(x); // decided meanwhile; a second success from decide() is ignored
                }
            });
        }

        private void set(boolean accepted) {
            result = accepted;
            MonoSink<Boolean> w = waiter;
            if (w != null) {
                w.success(accepted);
            }
        }

        /** Emitter: still queued, so accepted now. */
        void acceptIfPending() {
            if (state.compareAndSet(PENDING, DECIDED)) {
                set(true);
            }
        }

        /** Drain: the entry is being delivered; true if this delivery decides its outcome. */
        boolean claim() {
            return state.compareAndSet(PENDING, DELIVERING);
        }

        /** Drain, after the delivery it claimed. */
        void decide(boolean accepted) {
            state.set(DECIDED);
            set(accepted);
        }

        /** Clear on cancel: refuses an undecided entry; false if it had been accepted already. */
        boolean refuseIfPending() {
            if (state.compareAndSet(PENDING, DECIDED)) {
                set(false);
                return true;
            }
            return false;
        }
    }
}
