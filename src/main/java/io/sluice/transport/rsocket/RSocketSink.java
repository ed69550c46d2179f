package io.sluice.transport.rsocket;

import io.sluice.transport.tls.TlsOptions;
import io.sluice.transport.tls.ClientTls;
import io.rsocket.RSocket;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.Listening;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.ConnectionReporter;
import java.net.InetSocketAddress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * RSocket client sink over TCP or WebSocket. Each {@link #write(Flux)} connects, sends, and
 * disposes the connection.
 *
 * <ul>
 *   <li>{@link RSocketBuilder.Mode#CHANNEL} (default): one request-channel; rsocket-java requests
 *       from the input only what the receiver asked for with {@code REQUEST_N}, so the receiving
 *       pipeline's demand paces this sink. Completes when the receiver's final count arrives; fails
 *       if that count differs from the messages sent.</li>
 *   <li>{@link RSocketBuilder.Mode#FIRE_AND_FORGET}: one fire-and-forget frame per message, then a
 *       request-response barrier, so the write completes once the receiver has processed every
 *       frame (it may still have dropped some if its buffer was full, see {@link RSocketSource}).</li>
 *   <li>{@link RSocketBuilder.Mode#REQUEST_RESPONSE}: one request-response per message, at most
 *       {@code prefetch} in flight; a message is acknowledged when its answer arrives, and an
 *       error answer (or a lost connection) fails the write, which a
 *       {@link io.sluice.transport.resilience.ResilientSink} retries with the unanswered messages.</li>
 *   <li>{@link RSocketBuilder.Mode#STREAM}: roles reversed, each write binds a server that
 *       broadcasts the messages to every request-stream subscriber, lossless and paced by the
 *       slowest one ({@link #boundAddress()} gives the port); see {@link StreamServer}.</li>
 * </ul>
 */
public final class RSocketSink implements Sink<Message>, Listening {

    private final String host;
    private final int port;
    private final RSocketBuilder.Mode mode;
    private final boolean webSocket;
    private final int maxMessageSize;
    private final int prefetch;
    private final ConnectionReporter reporter;
    private final TransportMetrics metrics;
    private final StreamServer streamServer;
    private final TlsOptions tls;
    private final io.sluice.transport.auth.SinkToken token;

    RSocketSink(RSocketBuilder b) {
        if (b.mode != RSocketBuilder.Mode.STREAM) {
            ClientTls.check(b.tls()); // in STREAM mode the sink serves: its TLS settings are a server's
        }
        this.tls = b.tls();
        this.token = b.bearerToken();
        this.reporter = new ConnectionReporter(RSocketSource.NAME, b.events());
        this.metrics = reporter.metrics();
        this.streamServer = b.mode == RSocketBuilder.Mode.STREAM ? new StreamServer(b, metrics) : null;
        this.host = b.host();
        this.port = b.port();
        this.mode = b.mode;
        this.webSocket = b.webSocket;
        this.maxMessageSize = b.maxMessageSize;
        this.prefetch = b.prefetch;
    }

    /** @return counters: messages and bytes handed to RSocket, connections, failures */
    public TransportMetrics metrics() {
        return metrics;
    }

    /**
     * @return in {@link RSocketBuilder.Mode#STREAM} mode, the address the current write's server
     *         bound (useful with port 0); an error in the other modes, where the sink connects
     */
    public Mono<InetSocketAddress> boundAddress() {
        if (streamServer == null) {
            return Mono.error(new IllegalStateException("only a request-stream sink binds"));
        }
        return streamServer.boundAddress();
    }

    /** @return {@link #boundAddress()} as text: what a gateway waits for in STREAM mode */
    @Override
    public Mono<String> listening() {
        return boundAddress().map(String::valueOf);
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        if (streamServer != null) {
            return streamServer.serve(elements).doOnError(e -> metrics.error());
        }
        return ClientTls.with(tls, "sink rsocket " + host + ":" + port, ctx -> {
            Mono<RSocket> connect = Endpoints.connect(host, port, webSocket, maxMessageSize, ctx, token)
                    .doOnNext(r -> reporter.opened(host + ":" + port));
            return Mono.usingWhen(connect,
                    r -> switch (mode) {
                        case CHANNEL -> channel(r, elements);
                        case REQUEST_RESPONSE -> requestResponse(r, elements);
                        default -> fireAndForget(r, elements);
                    },
                    this::close, (r, e) -> close(r), this::close);
        }).doOnError(e -> metrics.error());
    }

    private Mono<Void> channel(RSocket r, Flux<Message> elements) {
        long[] sent = new long[1];
        return r.requestChannel(elements.map(m -> {
                    sent[0]++;
                    metrics.message(m.size());
                    return Payloads.toPayload(m);
                }))
                .map(p -> {
                    try {
                        return Long.parseLong(p.getDataUtf8());
                    } finally {
                        p.release();
                    }
                })
                .last(-1L)
                .flatMap(n -> n == sent[0] ? Mono.<Void>empty()
                        : Mono.error(new IllegalStateException("receiver counted " + n + " of " + sent[0] + " messages")));
    }

    private Mono<Void> requestResponse(RSocket r, Flux<Message> elements) {
        return elements.flatMap(m -> r.requestResponse(Payloads.toPayload(m))
                .doOnNext(p -> p.release())
                .then(Mono.fromRunnable(() -> {
                    metrics.message(m.size());
                    m.ack();
                })), prefetch).then();
    }

    /** @return true in request-response mode: a message is acknowledged when the receiver answered it */
    @Override
    public boolean acknowledges() {
        return mode == RSocketBuilder.Mode.REQUEST_RESPONSE;
    }

    private Mono<Void> fireAndForget(RSocket r, Flux<Message> elements) {
        return elements.concatMap(m -> r.fireAndForget(Payloads.toPayload(m)).doOnSuccess(x -> metrics.message(m.size())))
                .then(Mono.defer(() -> r.requestResponse(DefaultPayload.create("barrier"))))
                .doOnNext(p -> p.release())
                .then();
    }

    private Mono<Void> close(RSocket r) {
        return Endpoints.close(r, host + ":" + port, reporter);
    }
}
