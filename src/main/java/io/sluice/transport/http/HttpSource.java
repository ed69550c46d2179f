package io.sluice.transport.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.pipeline.Source;
import io.sluice.transport.ServerSource;
import io.sluice.transport.BoundAddress;
import io.sluice.transport.TransportSupport;
import io.sluice.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Unary HTTP server source: binds when {@link #flux()} is subscribed; each {@code POST} on the
 * configured path with a body of at most {@code maxBodySize} bytes becomes one {@link Message}.
 *
 * <h2>Answers</h2>
 * <ul>
 *   <li>{@code 202 Accepted}: the message was handed to the pipeline (placed in the hand-off).</li>
 *   <li>{@code 413}: body larger than the maximum (checked against {@code Content-Length} before
 *       reading, and while reading a chunked body; nothing beyond the maximum is buffered).</li>
 *   <li>{@code 404} other paths, {@code 405} other methods on the path.</li>
 *   <li>{@code 503}: the pipeline cannot accept the message now.</li>
 * </ul>
 *
 * <h2>Hand-off and 503</h2>
 * Accepted messages go through a bounded hand-off of {@code handoffCapacity} messages that the
 * pipeline drains at its own pace (honouring its demand). When the hand-off is full (the pipeline
 * is slower than the clients, e.g. behind {@code Overflow.block}) or the source is shutting down,
 * the request is answered 503 and the message is <em>not</em> accepted. This is the HTTP form of
 * {@code Overflow.fail}: the element that does not fit is refused with a visible error, but
 * instead of failing the whole pipeline only the one request fails, and the client may retry.
 * Every 413 and 503 is counted in {@link TransportMetrics#errors()} and published as a
 * {@link ConnectionError}.
 *
 * <h2>Headers</h2>
 * {@value HttpBuilder#KEY_HEADER} becomes the message key; {@code Content-Type} becomes the
 * message header {@code content-type}. Other request headers are ignored.
 *
 * <p>Connection events: {@link ConnectionOpened} / {@link ConnectionClosed} per HTTP connection.
 * At most {@code maxConnections} connections are served at once; a connection accepted beyond
 * that is closed immediately (no request is read) with a {@link ConnectionError} event.
 */
public final class HttpSource implements ServerSource {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSource.class);
    private static final String NAME = "http";

    private final String host;
    private final int port;
    private final String path;
    private final int maxBodySize;
    private final int handoffCapacity;
    private final int maxConnections;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);
    private final BoundAddress bound = new BoundAddress();

    HttpSource(HttpBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.maxBodySize = b.maxBodySize;
        this.handoffCapacity = b.handoffCapacity;
        this.maxConnections = b.maxConnections;
        this.events = b.events;
    }

    /** @return counters: accepted messages and bytes, connections, errors (413/503/404/405) */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return the bound address once {@link #flux()} is subscribed and bound */
    public Mono<InetSocketAddress> boundAddress() {
        return bound.mono();
    }

    /**
     * Binds on subscribe and emits the received messages; cancelling unbinds and closes every
     * connection.
     *
     * @return the received messages, cold
     */
    @Override
    public Flux<Message> flux() {
        return Flux.defer(() -> {
            Sinks.One<InetSocketAddress> addr = bound.begin();
            Sinks.Many<Message> handoff = Sinks.many().unicast()
                    .onBackpressureBuffer(new ArrayBlockingQueue<>(handoffCapacity));
            AtomicInteger active = new AtomicInteger();
            Mono<? extends DisposableServer> bind = HttpServer.create()
                    .host(host)
                    .port(port)
                    .doOnChannelInit((observer, ch, remoteAddress) -> {
                        String remote = String.valueOf(remoteAddress);
                        if (active.incrementAndGet() > maxConnections) {
                            active.decrementAndGet();
                            metrics.error();
                            LOG.warn("http source: refusing connection from {}: limit of {} connections reached",
                                    remote, maxConnections);
                            dispatch(new ConnectionError(NAME, remote,
                                    "connection limit reached (" + maxConnections + ")", null));
                            ch.close();
                            return;
                        }
                        metrics.connectionOpened();
                        dispatch(new ConnectionOpened(NAME, remote));
                        ch.closeFuture().addListener(f -> {
                            active.decrementAndGet();
                            metrics.connectionClosed();
                            dispatch(new ConnectionClosed(NAME, remote));
                        });
                    })
                    .handle((req, res) -> handle(req, res, handoff))
                    .bind();
            return Flux.usingWhen(bind,
                    server -> {
                        addr.tryEmitValue((InetSocketAddress) server.address());
                        LOG.debug("http source bound to {}", server.address());
                        return handoff.asFlux();
                    },
                    server -> close(server, addr),
                    (server, e) -> close(server, addr),
                    server -> close(server, addr));
        });
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res, Sinks.Many<Message> handoff) {
        String remote = String.valueOf(req.remoteAddress());
        if (!path.equals(req.fullPath())) {
            metrics.error();
            return res.status(HttpResponseStatus.NOT_FOUND).send();
        }
        if (!HttpMethod.POST.equals(req.method())) {
            metrics.error();
            return res.status(HttpResponseStatus.METHOD_NOT_ALLOWED).header(HttpHeaderNames.ALLOW, "POST").send();
        }
        String declared = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (declared != null && parseLength(declared) > maxBodySize) {
            return tooLarge(res, remote, declared + " bytes declared");
        }
        return req.receive()
                .reduceWith(() -> new Body(maxBodySize), Body::add)
                .flatMap(body -> {
                    Message.Builder mb = Message.builder().payload(body.bytes());
                    String key = req.requestHeaders().get(HttpBuilder.KEY_HEADER);
                    if (key != null) {
                        mb.key(key);
                    }
                    String type = req.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
                    if (type != null) {
                        mb.header("content-type", type);
                    }
                    Message m = mb.build();
                    Sinks.EmitResult r;
                    synchronized (handoff) {
                        r = handoff.tryEmitNext(m);
                    }
                    if (r.isSuccess()) {
                        metrics.message(m.size());
                        return res.status(HttpResponseStatus.ACCEPTED).send().then();
                    }
                    metrics.error();
                    dispatch(new ConnectionError(NAME, remote, "pipeline cannot accept the message (" + r + "): 503", null));
                    return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send().then();
                })
                .onErrorResume(BodyTooLarge.class, e -> tooLarge(res, remote, "more than " + maxBodySize + " bytes sent"));
    }

    private Mono<Void> tooLarge(HttpServerResponse res, String remote, String detail) {
        metrics.error();
        dispatch(new ConnectionError(NAME, remote, "body too large (" + detail + ", maximum " + maxBodySize + "): 413", null));
        return res.status(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE).header(HttpHeaderNames.CONNECTION, "close").send().then();
    }

    private static long parseLength(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private Mono<Void> close(DisposableServer server, Sinks.One<InetSocketAddress> addr) {
        bound.end(addr);
        server.dispose();
        return server.onDispose();
    }

    private void dispatch(Object event) {
        TransportSupport.publish(events, event);
    }

    /** Accumulates a request body by copying each chunk out of its (then released) buffer. */
    private static final class Body {
        private final int max;
        private byte[] bytes = new byte[0];
        private int size;

        Body(int max) {
            this.max = max;
        }

        Body add(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if ((long) size + n > max) {
                throw new BodyTooLarge();
            }
            if (size + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(size + n, bytes.length * 2)));
            }
            chunk.readBytes(bytes, size, n);
            size += n;
            return this;
        }

        byte[] bytes() {
            return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
        }
    }

    private static final class BodyTooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super(null, null, false, false);
        }
    }
}
