package io.sluice.transport.grpc;

import io.sluice.transport.auth.BearerCallCredentials;
import io.sluice.transport.auth.SinkToken;
import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sluice.transport.resilience.RejectedMessageException;
import io.sluice.transport.resilience.Rejections;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ConnectionReporter;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Batch;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * gRPC client sink for the {@code sluice.v1.Ingest} service. Each {@link #write(Flux)} opens a
 * channel (plaintext HTTP/2) and closes it when done.
 *
 * <ul>
 *   <li>{@link GrpcBuilder.Mode#STREAM} (default): one client-streaming call, {@code SendBatches}
 *       (or {@code SendStream} with batching off). Outbound flow control follows grpc-java's manual
 *       pattern: a request message is sent and more input requested only while
 *       {@link io.grpc.stub.ClientCallStreamObserver#isReady()} is true, and the on-ready handler
 *       resumes when the transport drains (see {@link StreamBridge}). The write completes when the
 *       server's {@code Ack} arrives (its count must equal the messages sent).</li>
 *   <li>{@link GrpcBuilder.Mode#UNARY}: one {@code Send} call per message, at most
 *       {@code unaryConcurrency} in flight; completes when every call was acknowledged.</li>
 *   <li>{@link GrpcBuilder.Mode#EXCHANGE}: one bidirectional call, {@code ExchangeBatches} (or
 *       {@code Exchange} with batching off), flow-controlled like {@code STREAM}; the server's
 *       cumulative {@code Ack} counts acknowledge the messages as they come back.</li>
 * </ul>
 * Batching ({@link GrpcBuilder#batch(int, int)}, on by default in the streaming modes): each request
 * message is a {@code Batch} of the messages at hand, up to {@code maxMessages} and {@code maxBytes}
 * serialized bytes, never waiting for more (no added latency); grpc-java's per-message cost (a
 * buffer, a flush and a promise per request message) is then paid per batch. {@code maxBytes} must
 * stay below the server's maximum message size; a single envelope larger than {@code maxBytes}
 * travels alone, in a batch at most 6 bytes larger than the envelope. A server without the batch
 * methods (a stock receiver, an older Sluice) answers {@code UNIMPLEMENTED}; with batching off
 * ({@code maxMessages} 1) the sink speaks {@code SendStream}/{@code Exchange} as before.
 * End-to-end acknowledgements ({@link #acknowledges()}): in the unary and exchange modes a message
 * is acknowledged when the server's {@code Ack} covers it, never otherwise; a {@code SendStream}
 * call is acknowledged only once at its end, so in that mode the pipeline acknowledges each message
 * as it hands it over.
 * A failed call fails the write with grpc-java's {@code StatusRuntimeException}; a unary call
 * answered {@code INVALID_ARGUMENT} with a {@link RejectedMessageException} naming its message (a
 * {@link io.sluice.transport.resilience.ResilientSink} dead-letters it).
 *
 * <p>Retry ({@link io.sluice.transport.resilience.ResilientSink}): in {@code STREAM} mode there is
 * no per-message acknowledgement, so a retried write cannot resend what the failed call carried:
 * it continues with the next message, and the failed call's messages the server did not take are
 * lost. In {@code EXCHANGE} mode the messages not covered by an {@code Ack} are resent. In both,
 * {@code INVALID_ARGUMENT} ends the whole call without naming the envelope the server refused, so
 * it is not dead-lettered but retried like any failure (in {@code EXCHANGE} mode the refused
 * message is resent with the others, and refused again); only {@code UNARY} mode dead-letters. The channel uses
 * grpc-java's direct executor: the on-ready handler, and so the request for the next input
 * element, runs on the Netty event loop without a hand-off to a thread pool; the input must not
 * block while producing (as with every reactor-netty sink). grpc-java's own retries are off
 * ({@code disableRetry}): with them, each call keeps the messages it sent (up to its retry buffer)
 * to replay them, and every message passes a retriable stream's locks; a failed call ends the write
 * instead, and the {@link io.sluice.transport.resilience.ResilientSink} decides as described above.
 */
public final class GrpcSink implements Sink<Message> {

    private final TlsOptions tls;
    private final String host;
    private final int port;
    private final int maxMessageSize;
    private final GrpcBuilder.Mode mode;
    private final int unaryConcurrency;
    private final int batchMessages;
    private final int batchBytes;
    private final ConnectionReporter reporter;
    private final TransportMetrics metrics;
    private final SinkToken token;

    GrpcSink(GrpcBuilder b) {
        this.host = b.host();
        this.port = b.port();
        this.maxMessageSize = b.maxMessageSize;
        this.mode = b.mode;
        this.unaryConcurrency = b.unaryConcurrency;
        this.batchMessages = b.batchMessages;
        this.batchBytes = b.batchBytes;
        this.reporter = new ConnectionReporter(GrpcSource.NAME, b.events());
        ClientTls.check(b.tls());
        // refused when the sink is built, not ignored: a user who turned the check off must not believe it is
        // off (this is the one place: the gRPC SslContext is built only for this sink and the gRPC source)
        if (b.tls() != null && !b.tls().verifyHostname()) {
            throw new IllegalArgumentException("sink grpc " + b.host() + ":" + b.port() + ": tls verifyHostname false is "
                    + "not supported by the gRPC sink (grpc-java always checks the server certificate against the host "
                    + "it dials); use a certificate that names that host");
        }
        this.tls = b.tls();
        this.token = b.bearerToken();
        this.metrics = reporter.metrics();
    }

    /** @return counters: messages and bytes handed to gRPC, channels opened/closed, failures */
    public TransportMetrics metrics() {
        return metrics;
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return ClientTls.with(tls, "sink grpc " + host + ":" + port, ctx -> Mono.usingWhen(
                        Mono.fromCallable(() -> open(ctx)),
                        ch -> mode == GrpcBuilder.Mode.UNARY ? unary(ch, elements) : stream(ch, elements),
                        this::close, (ch, e) -> close(ch), this::close))
                .doOnError(e -> metrics.error());
    }

    private ManagedChannel open(TlsContext tlsContext) {
        NettyChannelBuilder nb = NettyChannelBuilder.forAddress(host, port);
        if (tlsContext == null) {
            nb.usePlaintext();
        } else {
            nb.sslContext(tlsContext.grpcSslContext());
        }
        if (token != null) {
            nb.intercept(BearerCallCredentials.interceptor(token::current));
        }
        ManagedChannel ch = nb
                .maxInboundMessageSize(maxMessageSize)
                .directExecutor()
                // retries are the ResilientSink's; grpc-java's would keep each call's sent messages for a
                // replay and put a retriable stream under every message (see the class documentation)
                .disableRetry()
                .build();
        reporter.opened(host + ":" + port);
        return ch;
    }

    private Mono<Void> close(ManagedChannel ch) {
        return Mono.<Void>fromRunnable(() -> {
            ch.shutdownNow();
            try {
                ch.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reporter.closed(host + ":" + port);
        }).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());
    }

    private Mono<Void> unary(ManagedChannel ch, Flux<Message> elements) {
        IngestGrpc.IngestStub stub = IngestGrpc.newStub(ch);
        return elements.flatMap(m -> Mono.<Ack>create(sink -> stub.send(Envelopes.toEnvelope(m), observer(sink)))
                        .onErrorMap(e -> e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT,
                                e -> new RejectedMessageException(m, "gRPC " + e.getMessage(), e))
                        .onErrorResume(Rejections::orError)
                        .doOnNext(a -> {
                            metrics.message(m.size());
                            m.ack();
                        }), unaryConcurrency)
                .then();
    }

    private static StreamObserver<Ack> observer(MonoSink<Ack> sink) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Ack value) {
                sink.success(value);
            }

            @Override
            public void onError(Throwable t) {
                sink.error(t);
            }

            @Override
            public void onCompleted() {
                sink.success();
            }
        };
    }

    private Mono<Void> stream(ManagedChannel ch, Flux<Message> elements) {
        return Mono.create(done -> {
            IngestGrpc.IngestStub stub = IngestGrpc.newStub(ch);
            boolean exchange = mode == GrpcBuilder.Mode.EXCHANGE;
            if (batchMessages == 1) {
                this.<Envelope>start(done, elements, exchange ? "Exchange" : "SendStream",
                        exchange ? stub::exchange : stub::sendStream);
            } else {
                this.<Batch>start(done, elements, exchange ? "ExchangeBatches" : "SendBatches",
                        exchange ? stub::exchangeBatches : stub::sendBatches);
            }
        });
    }

    private <T> void start(MonoSink<Void> done, Flux<Message> elements, String method,
                           java.util.function.Consumer<StreamBridge<T>> call) {
        StreamBridge<T> bridge = new StreamBridge<>(done, mode == GrpcBuilder.Mode.EXCHANGE, method, batchMessages,
                batchBytes, metrics);
        done.onCancel(bridge::cancelAll);
        call.accept(bridge);
        elements.subscribe(bridge.upstream);
    }

    /** @return true in the unary and exchange modes (acknowledged by the server's {@code Ack}) */
    @Override
    public boolean acknowledges() {
        return mode != GrpcBuilder.Mode.STREAM;
    }
}
