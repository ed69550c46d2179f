package io.sluice.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;

/**
 * WebSocket server source: binds when {@link #flux()} is subscribed and accepts WebSocket upgrades
 * on the configured path; each binary or text message (continuation frames aggregated up to
 * {@code maxFrameLength}) becomes one {@link Message} with the frame payload bytes (text as UTF-8).
 * Ping/pong and close frames are handled by the transport and not emitted; a peer's close frame
 * ends that connection's messages only after every frame received before it was emitted (see
 * {@link CloseGate}).
 *
 * <p>Backpressure: connections are merged with concurrency {@code maxConnections} and a small
 * per-connection prefetch, so a slow pipeline stops reading from the sockets. An upgrade request
 * beyond {@code maxConnections} open connections is answered with HTTP 503 and a
 * {@link ConnectionError} event; other paths get 404. A frame or aggregated message larger than
 * the maximum closes that connection (close status 1009 from Netty) with a {@link ConnectionError}.
 * So does a frame that violates the protocol (garbage bytes; Netty answers with close status 1002)
 * and a peer that drops the TCP connection without a close frame (abnormal closure, e.g. in the
 * middle of a frame: the partial frame is discarded). Other connections are unaffected.
 * Cancel closes the server and all connections (that is not reported as an error).
 */
public final class WebSocketSource implements ServerSource {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSource.class);
    private static final String NAME = "websocket";

    private final String host;
    private final int port;
    private final String path;
    private final int maxFrameLength;
    private final int maxConnections;
    private final int prefetch;
    private final EventDispatcher events;
    private final TransportMetrics metrics = new TransportMetrics(NAME);
    private final BoundAddress bound = new BoundAddress();

    WebSocketSource(WebSocketBuilder b) {
        this.host = b.host;
        this.port = b.port;
        this.path = b.path;
        this.maxFrameLength = b.maxFrameLength;
        this.maxConnections = b.maxConnections;
        this.prefetch = b.prefetch;
        this.events = b.events;
    }

    /** @return counters: messages, bytes, connections, errors (refusals included) */
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
            Sinks.Many<Flux<Message>> accepted = Sinks.many().unicast().onBackpressureBuffer();
            Set<Connection> open = ConcurrentHashMap.newKeySet();
            AtomicInteger active = new AtomicInteger();
            AtomicBoolean stopping = new AtomicBoolean();
            Mono<? extends DisposableServer> bind = HttpServer.create()
                    .host(host)
                    .port(port)
                    .handle((req, res) -> handle(req, res, accepted, open, active, stopping))
                    .bind();
            return Flux.usingWhen(bind,
                    server -> {
                        addr.tryEmitValue((InetSocketAddress) server.address());
                        LOG.debug("websocket source bound to {}", server.address());
                        return accepted.asFlux().flatMap(f -> f, maxConnections, prefetch);
                    },
                    server -> close(server, open, addr, stopping),
                    (server, e) -> close(server, open, addr, stopping),
                    server -> close(server, open, addr, stopping));
        });
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res, Sinks.Many<Flux<Message>> accepted,
                                   Set<Connection> open, AtomicInteger active, AtomicBoolean stopping) {
        String remote = String.valueOf(req.remoteAddress());
        if (!path.equals(req.fullPath())) {
            metrics.error();
            return res.status(HttpResponseStatus.NOT_FOUND).send();
        }
        if (active.incrementAndGet() > maxConnections) {
            active.decrementAndGet();
            metrics.error();
            dispatch(new ConnectionError(NAME, remote, "connection limit reached (" + maxConnections + ")", null));
            return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send();
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                active.decrementAndGet();
            }
        };
        WebsocketServerSpec spec = WebsocketServerSpec.builder().maxFramePayloadLength(maxFrameLength).build();
        return res.sendWebsocket((in, out) -> {
            Connection[] holder = new Connection[1];
            in.withConnection(c -> holder[0] = c);
            Connection c = holder[0];
            c.addHandlerLast("sluiceCloseGate", new CloseGate());
            open.add(c);
            metrics.connectionOpened();
            dispatch(new ConnectionOpened(NAME, remote));
            c.onDispose(() -> {
                open.remove(c);
                release.run();
                metrics.connectionClosed();
                dispatch(new ConnectionClosed(NAME, remote));
            });
            Sinks.Empty<Void> done = Sinks.empty();
            Flux<Message> messages = receive(in, c, remote, stopping).doFinally(s -> done.tryEmitEmpty());
            synchronized (accepted) {
                if (accepted.tryEmitNext(messages).isFailure()) {
                    return Mono.empty();
                }
            }
            return done.asMono();
        }, spec).doOnError(e -> release.run());
    }

    private Flux<Message> receive(WebsocketInbound in, Connection c, String remote, AtomicBoolean stopping) {
        AtomicBoolean closeFrame = new AtomicBoolean();
        return in.aggregateFrames(maxFrameLength)
                .receiveObject()
                .takeWhile(o -> {
                    if (o == CloseGate.END) {
                        closeFrame.set(true);
                        return false;
                    }
                    return true;
                })
                .<Message>handle((frame, sink) -> {
                    if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
                        sink.next(copy((WebSocketFrame) frame));
                    }
                })
                // inbound ended without the peer's close frame and not because we are stopping:
                // the TCP connection was dropped (reactor-netty usually signals that as an
                // AbortedException instead; both are reported alike)
                .concatWith(Mono.defer(() -> closeFrame.get() || stopping.get() ? Mono.empty()
                        : Mono.error(new java.io.EOFException("inbound ended"))))
                .onErrorResume(e -> {
                    if (stopping.get()) {
                        c.dispose();
                        return Mono.empty();
                    }
                    metrics.error();
                    LOG.warn("websocket source: closing connection from {}: {}", remote, e.toString());
                    dispatch(new ConnectionError(NAME, remote, describe(e), e));
                    c.dispose();
                    return Mono.empty();
                });
    }

    private static String describe(Throwable e) {
        String text = e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof AbortedException || e instanceof java.io.EOFException) {
            return "peer closed the connection without a WebSocket close frame (abnormal closure 1006;"
                    + " a partly received frame is discarded) (" + text + ")";
        }
        return text;
    }

    private Message copy(WebSocketFrame frame) {
        ByteBuf buf = frame.content();
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        metrics.message(bytes.length);
        return Message.of(bytes);
    }

    private Mono<Void> close(DisposableServer server, Set<Connection> open, Sinks.One<InetSocketAddress> addr,
                             AtomicBoolean stopping) {
        stopping.set(true);
        bound.end(addr);
        for (Connection c : open) {
            c.dispose();
        }
        server.dispose();
        return server.onDispose();
    }

    private void dispatch(Object event) {
        TransportSupport.publish(events, event);
    }
}
