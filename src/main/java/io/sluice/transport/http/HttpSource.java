package io.sluice.transport.http;

import io.netty.channel.Channel;
import io.sluice.Message;
import io.sluice.transport.internal.AwaitedAck;
import io.sluice.transport.internal.HttpDeadlines;
import io.sluice.transport.internal.NettyServer;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import java.time.Duration;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerState;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Unary HTTP server source: binds when {@link #flux()} is subscribed; each {@code POST} on the
 * configured path with a body of at most {@code maxBodySize} bytes becomes one {@link Message}.
 *
 * <h2>Answers</h2>
 * <ul>
 *   <li>{@code 202 Accepted}: the message was handed to the pipeline; when the pipeline has a
 *       persistent stage ({@link io.sluice.Ack#AWAITED}), only once its record is durable (per the
 *       stage's {@code fsync}).</li>
 *   <li>{@code 413}: body larger than the maximum (checked against {@code Content-Length} before
 *       reading, and while reading a chunked body; nothing beyond the maximum is buffered).</li>
 *   <li>{@code 404} other paths, {@code 405} other methods on the path.</li>
 *   <li>{@code 503}: the pipeline cannot accept the message: no room within
 *       {@code acceptTimeout}, or the pipeline refused it (below).</li>
 *   <li>{@code 400} (connection closed): bytes that are not an HTTP request, a request path that is
 *       not a URI path. A body that ends before its {@code Content-Length} (the client closed)
 *       gives no message and is reported.</li>
 *   <li>{@code 505} (connection closed): an HTTP version other than 1.0 and 1.1.</li>
 * </ul>
 *
 * <h2>Durable acceptance</h2>
 * With a persistent stage, each message carries an {@link io.sluice.Ack} and its request is answered
 * when the stage acknowledges it (202: durable) or refuses it (503: the log is full under
 * {@code whenFull: drop-newest}, failed to write or fsync, or stopped), or 503 when neither came
 * within {@code acceptTimeout} (at least {@link AwaitedAck#MIN_WAIT}). A 503 means the message may
 * or may not be in the log: the sender sends it again (at-least-once).
 *
 * <h2>Backpressure: the hand-off and its permits</h2>
 * Messages go through a hand-off that the pipeline drains at its own pace, honouring its demand.
 * Room in it is counted by {@code handoffCapacity} permits: a request takes one <em>before its
 * body is read</em> and gives it back when the pipeline takes the message out. A request that
 * finds no permit waits for one, asynchronously and without reading its body (nothing more is read
 * from its connection meanwhile), for at most {@code acceptTimeout}
 * (default 10 s); then it is answered 503 and its connection closed. So with
 * {@code Overflow.block} and a slow consumer, clients are slowed down rather than refused, and
 * memory stays bounded by {@code handoffCapacity x maxBodySize}. {@code acceptTimeout(Duration.ZERO)}
 * rejects at once with 503 when the hand-off is full (load shedding: the client may retry
 * elsewhere or later).
 *
 * <h2>Refused by the pipeline</h2>
 * When the pipeline cancels the source during the delivery of a message, on the delivering thread,
 * and a downstream stage then reports an error (an {@code Overflow.fail} stage drops the element
 * that does not fit, cancels its upstream in that very {@code onNext} and records its overflow),
 * that request is answered 503, not 202, with a {@code ConnectionError} event. The source then
 * closes, as any cancelled source does. A cancel without a downstream error ({@code take(n)}
 * keeping its last element) leaves the message accepted.
 *
 * <h2>Stopping</h2>
 * A pipeline's {@code stop} uses {@link #flux(Publisher)}: the source stops accepting (waiting and
 * new requests are answered 503 "source is shutting down"), emits every message it answered 202
 * for, completes, then closes the server letting responses in flight finish. Only a hard cancel
 * (pipeline {@code cancel()}, a drain timeout, a downstream error) drops messages accepted but not
 * yet taken, with a warning in the log giving their number.
 *
 * <p>Every 400, 404, 405, 413, 503 and 505 and every body cut short is counted in
 * {@link TransportMetrics#errors()} (by reason), published as a {@code ConnectionError} and logged
 * as one WARN line with the peer, the pipeline, the reason and the limit (rate-limited).
 *
 * <h2>Connections</h2>
 * reactor-netty binds the server and runs TLS, the HTTP/1.1 codec and the connection limits; the
 * requests themselves are served by plain Netty handlers ({@link IngestHandler}, one per connection,
 * on its event loop), one at a time: keep-alive as the client asks (HTTP/1.0 closes unless it asked
 * for keep-alive), pipelined requests answered in order, chunked bodies, {@code Expect: 100-continue}
 * answered when the body is about to be read.
 *
 * <h2>Headers</h2>
 * {@value HttpBuilder#KEY_HEADER} becomes the message key; {@code Content-Type} becomes the
 * message header {@code content-type}. Other request headers are ignored.
 *
 * <p>Connection events: {@code ConnectionOpened} / {@code ConnectionClosed} per HTTP connection.
 * At most {@code maxConnections} connections are served at once; a connection accepted beyond
 * that is closed immediately (no request is read) with a {@code ConnectionError} event.
 *
 * <h2>Liveness</h2>
 * A connection from which nothing is read for {@code idleTimeout} is closed ({@code idle}); a
 * request whose headers take longer than {@code headerTimeout} from its first byte, or whose body
 * takes longer than {@code bodyTimeout}, is answered 408 and its connection closed
 * ({@code header_timeout}, {@code body_timeout}); see {@link HttpDeadlines}. Each is reported as
 * {@code ConnectionClosed} with that reason and counted, not as an error.
 */
public final class HttpSource extends SkeletonSource {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSource.class);
    private static final int GRACE_SECONDS = 5;

    /** What a subscription's request handler needs of the configuration. */
    record Config(String path, int maxBodySize, Duration acceptTimeout, Duration headerTimeout, Duration bodyTimeout) {
    }

    private final Config config;
    private final int handoffCapacity;
    private volatile Permits permits;

    HttpSource(HttpBuilder b) {
        super(RequestHandler.NAME, b);
        this.config = new Config(b.path, b.maxBodySize, b.acceptTimeout, b.headerTimeout, b.bodyTimeout);
        this.handoffCapacity = b.handoffCapacity;
    }

    /** @return requests of the current binding waiting for room in the hand-off (diagnostics) */
    int waitingRequests() {
        Permits p = permits;
        return p == null ? 0 : p.waiting();
    }

    /**
     * Graceful form used by a pipeline's stop: when {@code stop} signals, the source stops
     * accepting (new and waiting requests are answered 503), emits every message it already
     * answered 202 for, completes, and then closes the server once the requests being answered are
     * answered (at most {@value #GRACE_SECONDS} s, then reactor-netty's {@code disposeNow}).
     *
     * @param stop signals when to stop accepting
     * @return the received messages, completing after the stop
     */
    @Override
    public Flux<Message> flux(Publisher<?> stop) {
        return Flux.deferContextual(ctx -> serve(b -> new Server(b, stop, AwaitedAck.awaited(ctx))));
    }

    @Override
    public Flux<Message> flux() {
        return flux(Mono.never());
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Server(b, Mono.never(), false);
    }

    /** One subscription: its hand-off, permits and request handler. */
    private final class Server extends NettyServer {
        private final Publisher<?> stop;
        private final Handoff handoff = new Handoff();
        private final Permits room = new Permits(handoffCapacity);
        private final RequestHandler handler;

        Server(ServerSkeleton.Binding b, Publisher<?> stop, boolean awaitDurable) {
            super(b);
            this.stop = stop;
            this.handler = new RequestHandler(config, room, handoff, b, b.security(), awaitDurable);
            permits = room;
        }

        @Override
        public Mono<? extends DisposableServer> bind() {
            return binding.security().secure(HttpServer.create())
                    .host(host)
                    .port(port)
                    .doOnChannelInit((observer, ch, remoteAddress) -> {
                        track(ch);
                        if (ch.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
                            ch.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, RequestGate.NAME,
                                    new RequestGate(handler::reject));
                            // every request is served here, plain Netty; reactor-netty's per-request
                            // handling behind it never sees one
                            ch.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, IngestHandler.NAME,
                                    handler.newConnection());
                        }
                    })
                    .childObserve((conn, state) -> {
                        if (state == HttpServerState.REQUEST_DECODING_FAILED) {
                            handler.reject(String.valueOf(conn.channel().remoteAddress()),
                                    "malformed HTTP request: 400, connection closed");
                        }
                    })
                    .handle((req, res) -> res.status(HttpResponseStatus.INTERNAL_SERVER_ERROR).send()) // never reached
                    .bind();
        }

        @Override
        public Flux<Message> messages(DisposableServer server) {
            // the hand-off refuses first, so a waiter that close() turns away is answered
            // "source is shutting down", not "no room"
            Runnable stopAccepting = () -> {
                handoff.complete();
                room.close();
            };
            Disposable stopping = Flux.from(stop).take(1).subscribe(v -> { }, e -> stopAccepting.run(), stopAccepting);
            return handoff.doFinally(signal -> stopping.dispose());
        }

        @Override
        public Mono<Void> closeGracefully(DisposableServer server) {
            // requests being answered finish first (bounded), then the server closes
            Mono<Void> answered = Flux.interval(Duration.ofMillis(10)).filter(t -> handler.answering.get() <= 0)
                    .next().then().timeout(Duration.ofSeconds(GRACE_SECONDS), Mono.empty());
            // disposeNow blocks: on a thread that may block, not the timer's
            return answered.then(Mono.<Void>fromRunnable(() -> server.disposeNow(Duration.ofSeconds(GRACE_SECONDS)))
                            .subscribeOn(Schedulers.boundedElastic()))
                    .onErrorResume(e -> {
                        LOG.warn("http source: responses still in flight after {} s; closing now ({})", GRACE_SECONDS,
                                e.toString());
                        server.dispose();
                        return server.onDispose();
                    });
        }

        @Override
        public Mono<Void> close(DisposableServer server) {
            room.close();
            return super.close(server);
        }

        /** Connections are counted from the channel, before any request is read. */
        private void track(Channel ch) {
            String remote = String.valueOf(ch.remoteAddress());
            if (!binding.track(remote, null)) {
                ch.close();
                return;
            }
            ch.closeFuture().addListener(f -> binding.untrack(remote, null));
            binding.idle(ch);
            HttpDeadlines.install(ch, config.headerTimeout(), config.bodyTimeout(), binding.reasons());
        }
    }
}
