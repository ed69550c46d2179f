package io.sluice.transport.grpc;

import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.grpc.Calls.Item;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.internal.AwaitedAck;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * One subscription's calls: the merge of streaming calls and the unary intake, and the stop that
 * ends them. Unary calls share one intake: a call's request is read only when the intake has
 * demand (its permits), otherwise the call waits (see {@link UnaryCall}); each streaming call is
 * one inner flux of the merge (see {@link StreamCall}). {@link Taking} tells each call when the
 * pipeline took its envelope.
 */
final class Intake {

    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);

    private final Limits limits;
    private final TransportMetrics metrics;
    private final Sinks.Many<Flux<Item>> calls = Sinks.many().unicast().onBackpressureBuffer();
    private final Sinks.Many<Item> unary = Sinks.many().unicast().onBackpressureBuffer();
    private final Set<StreamCall<?>> streams = ConcurrentHashMap.newKeySet();
    // unary calls waiting for demand, and demand not yet given to a call; guarded by 'this'
    private final ArrayDeque<UnaryCall> waiting = new ArrayDeque<>();
    private long permits;
    private volatile boolean stopped;

    /**
     * @param maxCalls streaming calls read from at once
     * @param prefetch envelopes requested ahead per call (and for the unary intake)
     * @param unaryWait longest wait of a unary call for demand
     */
    record Limits(int maxCalls, int prefetch, Duration unaryWait) {
    }

    Intake(Limits limits, TransportMetrics metrics) {
        this.limits = limits;
        this.metrics = metrics;
    }

    /** @return whether the source stopped */
    boolean stopped() {
        return stopped;
    }

    /** @param c a stream call that ended */
    void ended(StreamCall<?> c) {
        streams.remove(c);
    }

    Flux<Message> flux() {
        offer(unary.asFlux().doOnRequest(this::grant));
        return calls.asFlux()
                .flatMap(f -> f, limits.maxCalls() + 1, limits.prefetch())
                .transform(Operators.<Item, Message>lift((scannable, actual) -> new Taking(actual, limits.unaryWait())))
                .doOnDiscard(Item.class, i -> i.origin().discarded());
    }

    private void offer(Flux<Item> call) {
        synchronized (calls) {
            calls.tryEmitNext(call);
        }
    }

    /** Demand for unary messages: lets waiting calls read their request. */
    private void grant(long n) {
        List<UnaryCall> go = new ArrayList<>();
        synchronized (this) {
            permits = permits + n < 0 ? Long.MAX_VALUE : permits + n;
            while (permits > 0 && !waiting.isEmpty()) {
                UnaryCall c = waiting.poll();
                if (c.admit()) {
                    permits--;
                    go.add(c);
                }
            }
        }
        go.forEach(UnaryCall::read);
    }

    /**
     * Decided under the lock {@link #stop()} takes its snapshot under, so a call arriving while
     * the source stops is either stopped here or in that snapshot, never left waiting.
     *
     * @return 1 admitted (read its message now), 0 queued (wait for demand), -1 the source stopped
     */
    private int admitOrQueue(UnaryCall c) {
        synchronized (this) {
            if (stopped) {
                return -1;
            }
            if (permits > 0 && c.admit()) {
                permits--;
                return 1;
            }
            waiting.add(c);
            return 0;
        }
    }

    /** Registers a stream call unless the source stopped; same lock as {@link #stop()}. */
    private boolean register(StreamCall<?> c) {
        synchronized (this) {
            if (stopped) {
                return false;
            }
            streams.add(c);
            return true;
        }
    }

    /** An admitted call ended without a message: its demand goes to the next one. */
    void giveBack() {
        grant(1);
    }

    void emitUnary(Item item) {
        Sinks.EmitResult r;
        synchronized (unary) {
            r = unary.tryEmitNext(item);
        }
        if (r.isFailure()) {
            item.origin().discarded();
        }
    }

    void stop() {
        List<UnaryCall> left;
        List<StreamCall<?>> open;
        synchronized (this) {
            stopped = true;
            left = new ArrayList<>(waiting);
            waiting.clear();
            permits = 0;
            open = new ArrayList<>(streams);
        }
        left.forEach(UnaryCall::stop);
        open.forEach(StreamCall::stop);
    }

    ServerCallHandler<Envelope, Ack> unaryHandler() {
        return (call, headers) -> {
            UnaryCall c = new UnaryCall(this, call, limits.unaryWait(), metrics);
            int admission = admitOrQueue(c);
            if (admission < 0) {
                c.stop();
            } else if (admission > 0) {
                c.read();
            } else {
                c.startTimer();
            }
            return c;
        };
    }

    /**
     * @param ackEach whether the call acknowledges as it goes ({@code Exchange}, {@code ExchangeBatches})
     * @param batches whether its request messages are batches
     * @param <Q> {@code Envelope} or {@code Batch}
     * @return the handler of a streaming method
     */
    <Q> ServerCallHandler<Q, Ack> streamHandler(boolean ackEach, boolean batches) {
        return (call, headers) -> {
            StreamCall<Q> c = new StreamCall<>(this, call, ackEach, batches, metrics);
            if (!register(c)) {
                Calls.close(call, Status.UNAVAILABLE.withDescription("source stopped"));
                return c;
            }
            offer(c.in.asFlux().doOnRequest(c::more));
            return c;
        };
    }

    /** Hands each item's message downstream, then tells its call that the pipeline took it. */
    private static final class Taking implements CoreSubscriber<Item>, Subscription {
        private final CoreSubscriber<? super Message> actual;
        /** Longest wait for durability (with a persistent stage), else null. */
        private final Duration durableWait;
        /** Demand of the subscriber not yet met (Long.MAX_VALUE: unbounded). */
        private final AtomicLong requested = new AtomicLong();
        private Subscription s;

        Taking(CoreSubscriber<? super Message> actual, Duration wait) {
            this.actual = actual;
            this.durableWait = AwaitedAck.awaited(actual.currentContext()) ? AwaitedAck.waitFor(wait) : null;
        }

        /** The message, carrying an acknowledgement that tells its call once durable, or refused. */
        private Message awaiting(Message m, Calls.Origin origin) {
            AtomicReference<Disposable> timer = new AtomicReference<>();
            io.sluice.Ack ack = io.sluice.Ack.of(() -> {
                cancelTimer(timer);
                origin.taken(m);
                // durable one by one: what is durable is acknowledged at once
                origin.idle();
            }, reason -> {
                cancelTimer(timer);
                origin.refused(m, reason);
            });
            timer.set(Schedulers.parallel().schedule(() -> ack.refused("not durable within " + durableWait),
                    durableWait.toMillis(), TimeUnit.MILLISECONDS));
            return m.withAck(ack);
        }

        private static void cancelTimer(AtomicReference<Disposable> timer) {
            Disposable t = timer.get();
            if (t != null) {
                t.dispose();
            }
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            this.s = s;
            actual.onSubscribe(this);
        }

        @Override
        public void onNext(Item item) {
            if (durableWait != null) {
                // answered when the persistent stage acknowledges (durable) or refuses the message
                actual.onNext(awaiting(item.message(), item.origin()));
                return;
            }
            actual.onNext(item.message());
            try {
                item.origin().taken(item.message());
                if (requested.get() != Long.MAX_VALUE && requested.decrementAndGet() == 0) {
                    item.origin().idle();
                }
            } catch (RuntimeException e) {
                LOG.warn("grpc source: acknowledging a message failed", e);
            }
        }

        @Override
        public void onError(Throwable t) {
            actual.onError(t);
        }

        @Override
        public void onComplete() {
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            requested.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            s.request(n);
        }

        @Override
        public void cancel() {
            s.cancel();
        }
    }
}
