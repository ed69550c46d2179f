package io.sluice.transport.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.sluice.Message;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.grpc.proto.IngestGrpc;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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
 *   <li>{@code SendBatches} and {@code ExchangeBatches}: the same with a {@code Batch} of envelopes per
 *       request message (what Sluice's sink sends by default); counts are envelopes, and
 *       {@code ExchangeBatches} answers one cumulative {@code Ack} per batch, once the pipeline took
 *       its last envelope. {@code maxMessageSize} applies to the whole batch.</li>
 * </ul>
 * "Reached the pipeline" means: handed to this flux's subscriber. An envelope still queued inside
 * the source when it stops is never acknowledged.
 *
 * <h2>Durable acknowledgements</h2>
 * When the pipeline has a persistent stage ({@link io.sluice.Ack#AWAITED} in the subscriber
 * context), "reached the pipeline" means <em>durable</em>: every {@code Ack} above ({@code Send}'s,
 * {@code SendStream}'s final one, each of {@code Exchange}'s, in order) is sent only once the stage
 * made the envelope durable per its {@code fsync}. An envelope the stage refuses (full under
 * {@code whenFull: drop-newest}, failed disk, stopping) or that is not durable within
 * {@code maxUnaryWait} ends its call with {@code RESOURCE_EXHAUSTED}, whose description gives the
 * count (and last sequence) acknowledged on that call; the client resends the rest (at-least-once).
 * With {@code whenFull: block} a full log backpressures the calls (their reads stop) instead.
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
 * {@code ConnectionOpened}/{@code ConnectionClosed} per client connection (HTTP/2 transport,
 * whatever its calls), {@code ConnectionError} per call that ends with a non-OK status. Metrics:
 * messages and bytes read, connections opened/closed, failed calls.
 *
 * <h2>Connection bound</h2>
 * At most {@code maxConnections} client connections are served at once. grpc-java offers no hook
 * to close a connection as it is accepted, so one beyond the bound is refused like WebSocket's
 * 503: it gets a {@code ConnectionError} ("connection limit reached") and no
 * {@code ConnectionOpened}, is not counted as active, and every call it makes is closed at once
 * with {@code UNAVAILABLE} ("connection limit reached"), before any of its requests is read. The
 * client's channel sees the failure and may reconnect later.
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
 * <h2>Structure</h2>
 * {@link Intake} (one subscription's calls and its unary intake), {@link UnaryCall},
 * {@link StreamCall}, {@link CallObservers} (connections and failed calls).
 *
 * <h2>Bad input</h2>
 * A connection that does not start with the HTTP/2 client preface (an HTTP/1.1 request, garbage) is
 * closed at once, counted (reason {@code malformed}) and logged in one line (see {@link PrefaceCheck}).
 * An envelope larger than {@code maxMessageSize} fails that call with {@code RESOURCE_EXHAUSTED};
 * bytes that are not an envelope fail it with {@code INVALID_ARGUMENT} and the parser's reason
 * (see {@link InvalidRequests}); a call cancelled by its client ends that call only. Each is counted
 * as an error and published as {@code ConnectionError}; other calls and the source go on.
 */
public final class GrpcSource extends SkeletonSource {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcSource.class);
    static final String NAME = "grpc";

    private final int maxMessageSize;
    private final Intake.Limits limits;
    private final int maxCallsPerConnection;
    private final int flowControlWindow;
    private final Duration drainTimeout;
    private final GrpcLiveness liveness;

    GrpcSource(GrpcBuilder b) {
        super(NAME, b);
        this.maxMessageSize = b.maxMessageSize;
        this.limits = new Intake.Limits(b.maxCalls, b.prefetch, b.unaryWait);
        this.maxCallsPerConnection = b.maxCallsPerConnection;
        this.flowControlWindow = b.flowControlWindow;
        this.drainTimeout = b.drainTimeout;
        this.liveness = new GrpcLiveness(b.idleTimeout(), b.keepAliveTime, b.keepAliveTimeout, b.permitKeepAliveTime,
                b.handshakeTimeout);
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Binding(b);
    }

    /** One subscription: a started grpc-java server and its {@link Intake}. */
    private final class Binding implements ServerSkeleton.Server<Server> {
        private final ServerSkeleton.Binding b;
        private final Intake intake = new Intake(limits, metrics());

        Binding(ServerSkeleton.Binding b) {
            this.b = b;
        }

        @Override
        public Mono<Server> bind() {
            return Mono.fromCallable(() -> {
                ServerServiceDefinition def = ServerServiceDefinition.builder(IngestGrpc.getServiceDescriptor())
                        .addMethod(IngestGrpc.getSendMethod(), intake.unaryHandler())
                        .addMethod(IngestGrpc.getSendStreamMethod(), intake.streamHandler(false, false))
                        .addMethod(IngestGrpc.getExchangeMethod(), intake.streamHandler(true, false))
                        .addMethod(IngestGrpc.getSendBatchesMethod(), intake.streamHandler(false, true))
                        .addMethod(IngestGrpc.getExchangeBatchesMethod(), intake.streamHandler(true, true))
                        .build();
                NettyServerBuilder nb = liveness.apply(NettyServerBuilder.forAddress(new InetSocketAddress(host, port)));
                ServerSecurity security = b.security();
                java.util.function.Supplier<GrpcCloseWatch> watch = () -> new GrpcCloseWatch(b, liveness.keepAliveTimeout());
                if (security.tls() != null) {
                    nb.protocolNegotiator(HandshakeWatch.negotiator(security.tls().grpcSslContext(), security, watch));
                } else {
                    nb.protocolNegotiator(PrefaceCheck.negotiator(b, watch));
                }
                ServerInterceptor auth = security.grpcInterceptor();
                if (auth != null) {
                    nb.intercept(auth);
                }
                return nb
                        .maxInboundMessageSize(maxMessageSize)
                        .maxConcurrentCallsPerConnection(maxCallsPerConnection)
                        .flowControlWindow(flowControlWindow)
                        .directExecutor()
                        .addService(ServerInterceptors.intercept(InvalidRequests.mapped(def),
                                CallObservers.refusedConnections(b)))
                        .addStreamTracerFactory(CallObservers.failedCalls(b))
                        .addTransportFilter(CallObservers.connections(b))
                        .build()
                        .start();
            });
        }

        @Override
        public InetSocketAddress address(Server server) {
            return (InetSocketAddress) server.getListenSockets().get(0);
        }

        @Override
        public Flux<Message> messages(Server server) {
            return intake.flux();
        }

        @Override
        public Mono<Void> close(Server server) {
            return Mono.fromRunnable(() -> {
                server.shutdown();
                intake.stop();
                // waiting must not happen here: cancellation may come from an event loop the calls need
                Schedulers.boundedElastic().schedule(() -> awaitTermination(server));
            });
        }
    }

    private void awaitTermination(Server server) {
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
    }
}
