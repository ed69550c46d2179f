package io.sluice.transport.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerStreamTracer;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Source;
import io.sluice.transport.ServerSource;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * gRPC server source for the {@code sluice.v1.Ingest} service. Subscribing to {@link #flux()}
 * starts a grpc-java Netty server; cancelling or terminating the flux shuts it down.
 *
 * <ul>
 *   <li>{@code Send} (unary): the envelope is emitted, then acknowledged ({@code Ack.count = 1}).</li>
 *   <li>{@code SendStream} (client streaming): envelopes are emitted as they arrive; when the
 *       client completes, the server answers one {@code Ack} with the count.</li>
 *   <li>{@code Exchange} (bidirectional): one {@code Ack} per envelope once it was emitted.</li>
 * </ul>
 *
 * <h2>Backpressure</h2>
 * Streaming calls use grpc-java's manual flow control: the server disables automatic inbound
 * requests ({@link ServerCallStreamObserver#disableAutoRequest()}) and calls
 * {@link ServerCallStreamObserver#request(int)} only as the pipeline requests elements (calls are
 * merged with bounded concurrency {@code maxConcurrentCalls} and per-call {@code prefetch}). With no
 * demand, HTTP/2 flow-control windows fill and the senders' {@code isReady()} turns false.
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
 * (see {@link InvalidRequests}); a call cancelled by its client ends that call only. Each is counted as an error and published as
 * {@link ConnectionError}; other calls and the source go on.
 */
public final class GrpcSource implements ServerSource {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcSource.class);
    static final String NAME = "grpc";

    private final String host;
    private final int port;
    private final int maxMessageSize;
    private final int prefetch;
    private final int maxCalls;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);
    private final AtomicReference<Sinks.One<InetSocketAddress>> bound = new AtomicReference<>(Sinks.one());

    GrpcSource(GrpcBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.maxMessageSize = b.maxMessageSize;
        this.prefetch = b.prefetch;
        this.maxCalls = b.maxCalls;
        this.events = b.events;
    }

    /** @return counters: messages, bytes, calls opened/closed, failed calls */
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
            Sinks.Many<Flux<Message>> calls = Sinks.many().unicast().onBackpressureBuffer();
            Service service = new Service(calls);
            return Flux.using(() -> start(service, addr),
                    server -> calls.asFlux().flatMap(f -> f, maxCalls, prefetch),
                    server -> stop(server, addr));
        });
    }

    private Server start(Service service, Sinks.One<InetSocketAddress> addr) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .maxInboundMessageSize(maxMessageSize)
                .directExecutor()
                .addService(InvalidRequests.mapped(ServerInterceptors.intercept(service, new RemoteAddress())))
                .addStreamTracerFactory(new FailedCalls())
                .build()
                .start();
        InetSocketAddress a = (InetSocketAddress) server.getListenSockets().get(0);
        addr.tryEmitValue(a);
        LOG.debug("grpc source listening on {}", a);
        return server;
    }

    private void stop(Server server, Sinks.One<InetSocketAddress> addr) {
        bound.compareAndSet(addr, Sinks.one());
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Remote address of the current call. */
    static final Context.Key<String> REMOTE = Context.key("sluice-remote");

    /** Puts the remote address in the call's context. */
    private static final class RemoteAddress implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            String remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return Contexts.interceptCall(Context.current().withValue(REMOTE, remote), call, headers, next);
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
                    remote = String.valueOf(info.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
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

    private void dispatch(Object event) {
        if (events != null) {
            events.dispatch(event);
        }
    }

    private final class Service extends IngestGrpc.IngestImplBase {
        private final Sinks.Many<Flux<Message>> calls;

        Service(Sinks.Many<Flux<Message>> calls) {
            this.calls = calls;
        }

        private void offer(Flux<Message> call) {
            synchronized (calls) {
                calls.tryEmitNext(call);
            }
        }

        @Override
        public void send(Envelope request, StreamObserver<Ack> responseObserver) {
            Message m = Envelopes.toMessage(request);
            offer(Flux.just(m).doOnNext(x -> metrics.message(x.size())).doOnComplete(() -> {
                responseObserver.onNext(Ack.newBuilder().setCount(1).setSequence(m.sequence()).build());
                responseObserver.onCompleted();
            }).doOnCancel(() -> responseObserver.onError(Status.UNAVAILABLE
                    .withDescription("source stopped").asRuntimeException())));
        }

        @Override
        public StreamObserver<Envelope> sendStream(StreamObserver<Ack> responseObserver) {
            return stream((ServerCallStreamObserver<Ack>) responseObserver, false);
        }

        @Override
        public StreamObserver<Envelope> exchange(StreamObserver<Ack> responseObserver) {
            return stream((ServerCallStreamObserver<Ack>) responseObserver, true);
        }

        private StreamObserver<Envelope> stream(ServerCallStreamObserver<Ack> out, boolean ackEach) {
            out.disableAutoRequest();
            String remote = REMOTE.get();
            AtomicLong count = new AtomicLong();
            AtomicLong lastSeq = new AtomicLong();
            // demand-driven: at most as many envelopes arrive as the pipeline requested, so this
            // buffer never holds more than the outstanding request
            Sinks.Many<Message> in = Sinks.many().unicast().onBackpressureBuffer();
            metrics.connectionOpened();
            dispatch(new ConnectionOpened(NAME, remote));
            offer(in.asFlux()
                    .doOnRequest(n -> out.request((int) Math.min(n, Integer.MAX_VALUE)))
                    .doOnCancel(() -> {
                        if (!out.isCancelled()) {
                            out.onError(Status.UNAVAILABLE.withDescription("source stopped").asRuntimeException());
                        }
                    }));
            return new StreamObserver<>() {
                @Override
                public void onNext(Envelope e) {
                    Message m = Envelopes.toMessage(e);
                    metrics.message(m.size());
                    count.incrementAndGet();
                    lastSeq.set(m.sequence());
                    in.tryEmitNext(m);
                    if (ackEach) {
                        out.onNext(Ack.newBuilder().setCount(count.get()).setSequence(m.sequence()).build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    Status s = Status.fromThrowable(t);
                    LOG.debug("grpc call from {} ended: {}", remote, s);
                    closed();
                    in.tryEmitComplete();
                }

                @Override
                public void onCompleted() {
                    if (!ackEach) {
                        out.onNext(Ack.newBuilder().setCount(count.get()).setSequence(lastSeq.get()).build());
                    }
                    out.onCompleted();
                    closed();
                    in.tryEmitComplete();
                }

                private void closed() {
                    metrics.connectionClosed();
                    dispatch(new ConnectionClosed(NAME, remote));
                }
            };
        }
    }
}
