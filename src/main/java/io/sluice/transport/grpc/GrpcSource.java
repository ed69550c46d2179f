package io.sluice.transport.grpc;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.ServerSource;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * gRPC server source for the {@code sluice.v1.Ingest} service. Subscribing to {@link #flux()}
 * starts a grpc-java Netty server; cancelling or terminating the flux stops it (see Stop).
 *
 * <ul>
 *   <li>{@code Send} (unary): answered {@code Ack(count = 1)} once the envelope reached the pipeline.</li>
 *   <li>{@code SendStream} (client streaming): envelopes are emitted as they arrive; when the
 *       client completes and every envelope reached the pipeline, the server answers one
 *       {@code Ack} with the count.</li>
 *   <li>{@code Exchange} (bidirectional): one {@code Ack} per envelope, sent when the pipeline
 *       takes that envelope (its {@code onNext} returned), never earlier.</li>
 * </ul>
 * "Reached the pipeline" means: handed to this flux's subscriber. An envelope still queued inside
 * the source when it stops is never acknowledged.
 *
 * <h2>Backpressure and memory</h2>
 * Every call uses grpc-java's manual inbound flow control ({@link ServerCall#request(int)}): the
 * server reads a request message only for pipeline demand. Streaming calls are merged with bounded
 * concurrency {@code maxConcurrentCalls} and per-call {@code prefetch}; a call's requests to the
 * transport follow the pipeline's requests, and an {@code Exchange} call additionally stops reading
 * while its acknowledgements cannot be sent ({@link ServerCall#isReady()}, resumed on
 * {@code onReady}). Unary calls share one intake with the same {@code prefetch}: a new call's
 * request is read only when the intake has demand; until then the call waits, its bytes unread in
 * the HTTP/2 window. A call that waits longer than {@code maxUnaryWait} ends with
 * {@code RESOURCE_EXHAUSTED}. With no demand the HTTP/2 windows (fixed at {@code flowControlWindow}
 * per call and per connection) fill and the senders' {@code isReady()} turns false, so unread
 * bytes per connection are bounded by the window, and open calls per connection by
 * {@code maxConcurrentCallsPerConnection}.
 *
 * <h2>Events and metrics</h2>
 * {@link ConnectionOpened}/{@link ConnectionClosed} per client connection (HTTP/2 transport,
 * whatever its calls), {@link ConnectionError} per call that ends with a non-OK status. Metrics:
 * messages and bytes read, connections opened/closed, failed calls.
 *
 * <h2>Stop</h2>
 * Cancelling the flux stops accepting calls ({@link Server#shutdown()}), ends the open calls
 * without losing acknowledged data, and gives them {@code drainTimeout} before aborting the rest
 * ({@link Server#shutdownNow()}): waiting unary calls end with {@code UNAVAILABLE} (their request
 * was never read); a streaming call whose envelopes all reached the pipeline is asked for one more
 * message: if the client half-closes it is answered normally ({@code Ack} with the count, or OK),
 * if a further envelope arrives the call ends with {@code UNAVAILABLE} ("source stopped") after the
 * envelopes it had delivered. Envelopes that were queued in the source when it stopped are dropped
 * and their calls end with {@code UNAVAILABLE}, never with an acknowledgement that covers them.
 * Termination runs asynchronously; cancelling does not block.
 *
 * <h2>Threads</h2>
 * The server uses grpc-java's direct executor: call callbacks run on the Netty event loop that
 * read the bytes, with no hand-off to an application thread pool (the hand-offs cost more than the
 * work: 2.6x throughput at 18 B, see benchmarks/README.md). Like reactor-netty's sources, the
 * pipeline downstream must therefore not block; Sluice's stages and overflow operators do not.
 *
 * <h2>Bad input</h2>
 * An envelope larger than {@code maxMessageSize} fails that call with {@code RESOURCE_EXHAUSTED};
 * bytes that are not an envelope fail it with {@code INVALID_ARGUMENT} and the parser's reason
 * (see {@link InvalidRequests}); a call cancelled by its client ends that call only. Each is counted
 * as an error and published as {@link ConnectionError}; other calls and the source go on.
 */
public final class GrpcSource implements ServerSource {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcSource.class);
    static final String NAME = "grpc";
    private static final Attributes.Key<String> READY = Attributes.Key.create("sluice-grpc-ready");

    private final String host;
    private final int port;
    private final int maxMessageSize;
    private final int prefetch;
    private final int maxCalls;
    private final int maxCallsPerConnection;
    private final int flowControlWindow;
    private final Duration unaryWait;
    private final Duration drainTimeout;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);
    private final AtomicReference<Sinks.One<InetSocketAddress>> bound = new AtomicReference<>(Sinks.one());

    GrpcSource(GrpcBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.maxMessageSize = b.maxMessageSize;
        this.prefetch = b.prefetch;
        this.maxCalls = b.maxCalls;
        this.maxCallsPerConnection = b.maxCallsPerConnection;
        this.flowControlWindow = b.flowControlWindow;
        this.unaryWait = b.unaryWait;
        this.drainTimeout = b.drainTimeout;
        this.events = b.events;
    }

    /** @return counters: messages, bytes, client connections opened/closed, failed calls */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return the bound address of the current subscription, once the server started */
    public Mono<InetSocketAddress> boundAddress() {
        return Mono.defer(() -> bound.get().asMono());
    }

    @Override
    public Flux<Message> flux() {
        return Flux.defer(() -> {
            Sinks.One<InetSocketAddress> addr = bound.get();
            Intake intake = new Intake();
            return Flux.using(() -> start(intake, addr), server -> intake.flux(), server -> stop(server, intake, addr));
        });
    }

    private Server start(Intake intake, Sinks.One<InetSocketAddress> addr) throws IOException {
        ServerServiceDefinition def = ServerServiceDefinition.builder(IngestGrpc.getServiceDescriptor())
                .addMethod(IngestGrpc.getSendMethod(), intake.unaryHandler())
                .addMethod(IngestGrpc.getSendStreamMethod(), intake.streamHandler(false))
                .addMethod(IngestGrpc.getExchangeMethod(), intake.streamHandler(true))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .maxInboundMessageSize(maxMessageSize)
                .maxConcurrentCallsPerConnection(maxCallsPerConnection)
                .flowControlWindow(flowControlWindow)
                .directExecutor()
                .addService(InvalidRequests.mapped(def))
                .addStreamTracerFactory(new FailedCalls())
                .addTransportFilter(new Connections())
                .build()
                .start();
        InetSocketAddress a = (InetSocketAddress) server.getListenSockets().get(0);
        addr.tryEmitValue(a);
        LOG.debug("grpc source listening on {}", a);
        return server;
    }

    private void stop(Server server, Intake intake, Sinks.One<InetSocketAddress> addr) {
        bound.compareAndSet(addr, Sinks.one());
        server.shutdown();
        intake.stop();
        // waiting must not happen here: cancellation may come from an event loop the calls need
        Schedulers.boundedElastic().schedule(() -> {
            try {
                if (!server.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("grpc source: calls still open after the {} drain, aborting them", drainTimeout);
                    server.shutdownNow();
                    server.awaitTermination(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
                Thread.currentThread().interrupt();
            }
        });
    }

    private static String remote(Attributes a) {
        return String.valueOf(a.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    }

    private void dispatch(Object event) {
        if (events != null) {
            events.dispatch(event);
        }
    }

    /** Client connections (HTTP/2 transports) opened and closed, whatever calls they carry. */
    private final class Connections extends ServerTransportFilter {
        @Override
        public Attributes transportReady(Attributes a) {
            metrics.connectionOpened();
            dispatch(new ConnectionOpened(NAME, remote(a)));
            return a.toBuilder().set(READY, "yes").build();
        }

        @Override
        public void transportTerminated(Attributes a) {
            if (a != null && a.get(READY) != null) {
                metrics.connectionClosed();
                dispatch(new ConnectionClosed(NAME, remote(a)));
            }
        }
    }

    /**
     * Reports every call that ends with a non-OK status, including those grpc-java fails before
     * the service sees them (oversized or unparsable messages).
     */
    private final class FailedCalls extends ServerStreamTracer.Factory {
        @Override
        public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
            return new ServerStreamTracer() {
                private volatile String remote = "?";

                @Override
                public void serverCallStarted(ServerCallInfo<?, ?> info) {
                    remote = remote(info.getAttributes());
                }

                @Override
                public void streamClosed(Status status) {
                    if (!status.isOk()) {
                        metrics.error();
                        LOG.warn("grpc source: call {} from {} failed: {}", fullMethodName, remote, status);
                        dispatch(new ConnectionError(NAME, remote, "call " + fullMethodName + " failed: " + status.getCode()
                                + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"),
                                status.getCause()));
                    }
                }
            };
        }
    }

    /** A received envelope on its way to the pipeline, and the call to tell when it got there. */
    private record Item(Message message, Origin origin) {
    }

    /** The call an {@link Item} came from. */
    private interface Origin {
        /** The pipeline took the message ({@code onNext} returned). */
        void taken(Message m);

        /** The message was dropped inside the source (it stopped). */
        void discarded();
    }

    /** Closes a call, tolerating one that grpc-java (or {@link InvalidRequests}) already closed. */
    private static void close(ServerCall<?, ?> call, Status status) {
        try {
            call.close(status, new Metadata());
        } catch (IllegalStateException e) {
            LOG.debug("grpc call already closed: {}", e.getMessage());
        }
    }

    private static Status stopped(long accepted, long lastSequence) {
        return Status.UNAVAILABLE.withDescription("source stopped; " + accepted + " envelope(s) of this call reached"
                + " the pipeline" + (accepted > 0 ? ", the last with sequence " + lastSequence : ""));
    }

    /** One subscription's calls: the merge of streaming calls and the unary intake. */
    private final class Intake {
        private final Sinks.Many<Flux<Item>> calls = Sinks.many().unicast().onBackpressureBuffer();
        private final Sinks.Many<Item> unary = Sinks.many().unicast().onBackpressureBuffer();
        private final Set<StreamCall> streams = ConcurrentHashMap.newKeySet();
        // unary calls waiting for demand, and demand not yet given to a call; guarded by 'this'
        private final ArrayDeque<UnaryCall> waiting = new ArrayDeque<>();
        private long permits;
        private volatile boolean stopped;

        Flux<Message> flux() {
            offer(unary.asFlux().doOnRequest(this::grant));
            return calls.asFlux()
                    .flatMap(f -> f, maxCalls + 1, prefetch)
                    .transform(Operators.<Item, Message>lift((scannable, actual) -> new Taking(actual)))
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

        /** @return whether {@code c} may read its request now; otherwise it was queued */
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
        private boolean register(StreamCall c) {
            synchronized (this) {
                if (stopped) {
                    return false;
                }
                streams.add(c);
                return true;
            }
        }

        /** An admitted call ended without a message: its demand goes to the next one. */
        private void giveBack() {
            grant(1);
        }

        private void emitUnary(Item item) {
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
            List<StreamCall> open;
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
                UnaryCall c = new UnaryCall(this, call);
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

        ServerCallHandler<Envelope, Ack> streamHandler(boolean ackEach) {
            return (call, headers) -> {
                StreamCall c = new StreamCall(this, call, ackEach);
                if (!register(c)) {
                    close(call, Status.UNAVAILABLE.withDescription("source stopped"));
                    return c;
                }
                offer(c.in.asFlux().doOnRequest(c::more));
                return c;
            };
        }
    }

    /** Hands each item's message downstream, then tells its call that the pipeline took it. */
    private static final class Taking implements CoreSubscriber<Item>, Subscription {
        private final CoreSubscriber<? super Message> actual;
        private Subscription s;

        Taking(CoreSubscriber<? super Message> actual) {
            this.actual = actual;
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
            actual.onNext(item.message());
            try {
                item.origin().taken(item.message());
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
            s.request(n);
        }

        @Override
        public void cancel() {
            s.cancel();
        }
    }

    /**
     * One {@code Send} call. States: waiting for demand, admitted (its request was asked for),
     * received (its envelope is on the way to the pipeline), done. Every transition to done is a
     * compare-and-set, so exactly one party answers the call.
     */
    private final class UnaryCall extends ServerCall.Listener<Envelope> implements Origin {
        private static final int WAITING = 0;
        private static final int ADMITTED = 1;
        private static final int RECEIVED = 2;
        private static final int DONE = 3;

        private final Intake intake;
        private final ServerCall<Envelope, Ack> call;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        private volatile Disposable timer;

        UnaryCall(Intake intake, ServerCall<Envelope, Ack> call) {
            this.intake = intake;
            this.call = call;
        }

        boolean admit() {
            return state.compareAndSet(WAITING, ADMITTED);
        }

        void read() {
            Disposable t = timer;
            if (t != null) {
                t.dispose();
            }
            call.request(1);
        }

        void startTimer() {
            timer = Schedulers.parallel().schedule(() -> {
                if (state.compareAndSet(WAITING, DONE)) {
                    close(call, Status.RESOURCE_EXHAUSTED.withDescription("no pipeline demand for this call within "
                            + unaryWait + "; the request was not read"));
                }
            }, unaryWait.toMillis(), TimeUnit.MILLISECONDS);
            if (state.get() != WAITING) {
                timer.dispose();
            }
        }

        void stop() {
            if (state.compareAndSet(WAITING, DONE) || state.compareAndSet(ADMITTED, DONE)) {
                Disposable t = timer;
                if (t != null) {
                    t.dispose();
                }
                close(call, Status.UNAVAILABLE.withDescription("source stopped; the request was not taken"));
            }
        }

        @Override
        public void onMessage(Envelope e) {
            if (!state.compareAndSet(ADMITTED, RECEIVED)) {
                return;
            }
            Message m = Envelopes.toMessage(e);
            metrics.message(m.size());
            intake.emitUnary(new Item(m, this));
        }

        @Override
        public void taken(Message m) {
            if (state.compareAndSet(RECEIVED, DONE)) {
                try {
                    call.sendHeaders(new Metadata());
                    call.sendMessage(Ack.newBuilder().setCount(1).setSequence(m.sequence()).build());
                    call.close(Status.OK, new Metadata());
                } catch (IllegalStateException ex) {
                    LOG.debug("grpc unary call ended before its ack: {}", ex.getMessage());
                }
            }
        }

        @Override
        public void discarded() {
            if (state.compareAndSet(RECEIVED, DONE)) {
                close(call, Status.UNAVAILABLE.withDescription("source stopped; the request was not taken"));
            }
        }

        @Override
        public void onCancel() {
            ended();
        }

        @Override
        public void onComplete() {
            ended();
        }

        private void ended() {
            Disposable t = timer;
            if (t != null) {
                t.dispose();
            }
            if (state.compareAndSet(ADMITTED, DONE)) {
                // oversized, unparsable or cancelled before its request was read: the demand is unused
                if (!intake.stopped) {
                    intake.giveBack();
                }
            } else {
                state.compareAndSet(WAITING, DONE);
            }
        }
    }

    /** One {@code SendStream} or {@code Exchange} call. */
    private final class StreamCall extends ServerCall.Listener<Envelope> implements Origin {
        private final Intake intake;
        private final ServerCall<Envelope, Ack> call;
        private final boolean ackEach;
        private final String remote;
        final Sinks.Many<Item> in = Sinks.many().unicast().onBackpressureBuffer();
        private final AtomicLong demand = new AtomicLong();
        // guarded by 'this'
        private long received;
        private long taken;
        private long discarded;
        private long lastSequence;
        private boolean halfClosed;
        private boolean stopped;
        private boolean closed;
        private boolean probed;
        private boolean headersSent;

        StreamCall(Intake intake, ServerCall<Envelope, Ack> call, boolean ackEach) {
            this.intake = intake;
            this.call = call;
            this.ackEach = ackEach;
            this.remote = remote(call.getAttributes());
        }

        /** Pipeline demand for this call: read that many more envelopes. */
        void more(long n) {
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            pump();
        }

        private void pump() {
            // an Exchange stops reading while its acknowledgements cannot be sent
            if (ackEach && !call.isReady()) {
                return;
            }
            long d = demand.getAndSet(0);
            while (d > 0) {
                int r = (int) Math.min(d, Integer.MAX_VALUE);
                call.request(r);
                d -= r;
            }
        }

        @Override
        public void onReady() {
            pump();
        }

        @Override
        public void onMessage(Envelope e) {
            Message m = Envelopes.toMessage(e);
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (stopped) {
                    // asked for only to see whether the client was done: it was not
                    closed = true;
                    close(call, stopped(taken, lastSequence));
                    return;
                }
                received++;
            }
            metrics.message(m.size());
            Sinks.EmitResult r = in.tryEmitNext(new Item(m, this));
            if (r.isFailure()) {
                discarded();
            }
        }

        @Override
        public void taken(Message m) {
            boolean probe;
            synchronized (this) {
                taken++;
                lastSequence = m.sequence();
                if (ackEach && !closed) {
                    send(Ack.newBuilder().setCount(taken).setSequence(m.sequence()).build());
                }
                probe = finishIfDone();
            }
            probe(probe);
        }

        @Override
        public void discarded() {
            synchronized (this) {
                discarded++;
                finishIfDone();
            }
        }

        @Override
        public void onHalfClose() {
            synchronized (this) {
                halfClosed = true;
                finishIfDone();
            }
            in.tryEmitComplete();
        }

        void stop() {
            boolean probe;
            synchronized (this) {
                stopped = true;
                probe = finishIfDone();
            }
            probe(probe);
        }

        /**
         * A stopped call whose envelopes all reached the pipeline asks for one more message: a
         * client that sent everything half-closes next, one that did not sends an envelope.
         */
        private void probe(boolean probe) {
            if (probe) {
                call.request(1);
            }
        }

        /**
         * Ends the call once every received envelope was taken or dropped; caller holds the lock.
         *
         * @return whether the caller must {@link #probe} (outside the lock)
         */
        private boolean finishIfDone() {
            if (closed || taken + discarded < received) {
                return false;
            }
            if (discarded > 0) {
                closed = true;
                close(call, stopped(taken, lastSequence));
            } else if (halfClosed) {
                closed = true;
                if (!ackEach) {
                    send(Ack.newBuilder().setCount(taken).setSequence(lastSequence).build());
                }
                close(call, Status.OK);
            } else if (stopped && !probed) {
                probed = true;
                return true;
            }
            return false;
        }

        private void send(Ack ack) {
            try {
                if (!headersSent) {
                    headersSent = true;
                    call.sendHeaders(new Metadata());
                }
                call.sendMessage(ack);
            } catch (IllegalStateException e) {
                LOG.debug("grpc call from {} ended before its ack: {}", remote, e.getMessage());
            }
        }

        @Override
        public void onCancel() {
            ended();
        }

        @Override
        public void onComplete() {
            ended();
        }

        private void ended() {
            synchronized (this) {
                closed = true;
            }
            intake.streams.remove(this);
            // what was received still goes to the pipeline; it can no longer be acknowledged
            in.tryEmitComplete();
        }
    }
}
