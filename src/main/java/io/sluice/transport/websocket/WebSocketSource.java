package io.sluice.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.sluice.Message;
import io.sluice.transport.auth.BearerTokens;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.HttpDeadlines;
import io.sluice.transport.internal.MergingNettyServer;
import io.sluice.transport.internal.ServerSkeleton;
import io.sluice.transport.internal.SkeletonSource;
import io.sluice.transport.internal.TransportSupport;
import java.io.EOFException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
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
 * {@code ConnectionError} event; other paths get 404. A frame or aggregated message larger than
 * the maximum closes that connection with close status 1009 and the limit as reason (a single frame
 * over the limit is refused by Netty's frame decoder, a message fragmented into frames each within
 * the limit by the aggregator), counted with reason {@code too_large} and one WARN line. A frame
 * that violates the protocol (garbage bytes, an unmasked frame...) closes it with status 1002 and
 * Netty's reason. Both closes linger (see {@link Linger}): the close frame is sent, the rest of
 * what the peer is still sending is read and discarded, so that it gets the close frame and not a
 * TCP reset. (Netty's decoder is configured not to close the connection itself on a protocol
 * violation, which it would do with the peer's data still unread.) A peer that drops the TCP
 * connection without a close frame (abnormal closure, e.g. in the middle of a frame: the partial
 * frame is discarded) is reported too. Other connections are unaffected.
 * Cancel closes the server and all connections (that is not reported as an error).
 *
 * <p>Liveness: the server pings a connection silent for {@code pingInterval}; a connection from
 * which nothing (not even a pong) was read for {@code idleTimeout} is closed, reason
 * {@code keepalive} when a ping went unanswered, else {@code idle}; an upgrade request whose headers
 * take longer than {@code headerTimeout} is answered 408 and closed ({@code header_timeout}).
 */
public final class WebSocketSource extends SkeletonSource {

    static final String NAME = "websocket";

    private final String path;
    private final int maxFrameLength;
    private final int prefetch;
    private final Duration pingInterval;
    private final Duration headerTimeout;
    /** Test seam: called with each upgraded connection's channel once its handlers are in place. */
    private volatile java.util.function.Consumer<io.netty.channel.Channel> upgraded;

    /** @param hook called on the event loop with each upgraded connection's channel (tests) */
    void onUpgraded(java.util.function.Consumer<io.netty.channel.Channel> hook) {
        this.upgraded = hook;
    }

    WebSocketSource(WebSocketBuilder b) {
        super(NAME, b);
        this.path = b.path;
        this.maxFrameLength = b.maxFrameLength;
        this.prefetch = b.prefetch;
        this.pingInterval = b.pingInterval;
        this.headerTimeout = b.headerTimeout;
    }

    @Override
    protected ServerSkeleton.Server<?> server(ServerSkeleton.Binding b) {
        return new Server(b);
    }

    /** One subscription: upgraded connections are merged with bounded concurrency. */
    private final class Server extends MergingNettyServer {
        private final WebsocketServerSpec spec = WebsocketServerSpec.builder().maxFramePayloadLength(maxFrameLength).build();

        Server(ServerSkeleton.Binding b) {
            super(b, prefetch);
        }

        @Override
        public Mono<? extends DisposableServer> bind() {
            return binding.security().secure(HttpServer.create()).host(host).port(port)
                    .doOnChannelInit((observer, ch, remoteAddress) -> {
                        binding.idle(ch);
                        HttpDeadlines.install(ch, headerTimeout, Duration.ZERO, binding.reasons());
                    })
                    .handle(this::handle).bind();
        }

        private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
            String remote = String.valueOf(req.remoteAddress());
            String requested = TransportSupport.requestPath(req);
            if (requested == null) {
                binding.metrics().error("malformed");
                return res.status(HttpResponseStatus.BAD_REQUEST).send();
            }
            if (!path.equals(requested)) {
                binding.metrics().error();
                return res.status(HttpResponseStatus.NOT_FOUND).send();
            }
            Connection[] conn = new Connection[1];
            req.withConnection(c -> conn[0] = c);
            ServerSecurity.Verdict who = binding.security().authenticate(
                    req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION), conn[0].channel(), req.remoteAddress());
            if (!who.accepted()) {
                return res.status(HttpResponseStatus.UNAUTHORIZED)
                        .header(HttpHeaderNames.WWW_AUTHENTICATE, BearerTokens.CHALLENGE).send();
            }
            // admitted before the upgrade, so that a refusal can still be answered 503
            if (!binding.admit(remote)) {
                return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send();
            }
            AtomicBoolean upgraded = new AtomicBoolean();
            return res.sendWebsocket((in, out) -> {
                Connection[] holder = new Connection[1];
                in.withConnection(c -> holder[0] = c);
                Connection c = holder[0];
                upgraded.set(true);
                lenientDecoder(c.channel().pipeline());
                BinaryFrameReader.install(c.channel().pipeline(), maxFrameLength);
                c.addHandlerLast("sluiceCloseGate", new CloseGate());
                WebSocketPing.install(c.channel(), pingInterval);
                binding.opened(remote, c);
                c.onDispose(() -> binding.untrack(remote, c));
                Sinks.Empty<Void> done = Sinks.empty();
                Flux<Message> messages = receive(in, c, remote, who.identity()).doFinally(s -> done.tryEmitEmpty());
                if (!merge(messages)) {
                    return Mono.empty();
                }
                return done.asMono();
            }, spec).doOnError(e -> {
                if (upgraded.compareAndSet(false, true)) {
                    binding.release();
                }
            });
        }

        private Flux<Message> receive(WebsocketInbound in, Connection c, String remote, String client) {
            AtomicBoolean closeFrame = new AtomicBoolean();
            WebsocketInbound aggregated = in.aggregateFrames(maxFrameLength);
            java.util.function.Consumer<io.netty.channel.Channel> hook = upgraded;
            if (hook != null) {
                hook.accept(c.channel());
            }
            return aggregated
                    .receiveObject()
                    // every request reaches reactor-netty's inbound queue as a task of the event loop,
                    // never from inside its drain: a request made while it emits (the merge replenishing
                    // its prefetch on the event loop) is counted there as demand left unmet, which
                    // switches auto-read on with thousands of frames queued (a 64 KiB read per
                    // replenish: the soak's read-ahead, WebSocketReadAheadTest)
                    .transform(DeferredRequests.on(c.channel().eventLoop()))
                    .takeWhile(o -> {
                        if (o == CloseGate.END) {
                            closeFrame.set(true);
                            return false;
                        }
                        return true;
                    })
                    .<Message>handle((frame, sink) -> {
                        if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
                            Message m = copy((WebSocketFrame) frame);
                            sink.next(client == null ? m : m.withHeader(ServerSecurity.CLIENT_HEADER, client));
                        }
                    })
                    // inbound ended without the peer's close frame and not because we are stopping:
                    // the TCP connection was dropped (reactor-netty usually signals that as an
                    // AbortedException instead; both are reported alike)
                    .concatWith(Mono.defer(() -> closeFrame.get() || binding.stopping() ? Mono.empty()
                            : Mono.error(new EOFException("inbound ended"))))
                    .onErrorResume(e -> {
                        if (e instanceof TooLongFrameException || e instanceof CorruptedWebSocketFrameException) {
                            closeLingering(c, remote, e);
                            return Mono.empty();
                        }
                        if (!binding.stopping()) {
                            binding.error(remote, describe(e), e);
                        }
                        c.dispose();
                        return Mono.empty();
                    });
        }

        /**
         * Answers a refused frame or message with a close frame carrying the status and reason: 1009
         * for a message over the limit (a single frame refused by the decoder, or fragments refused by
         * the aggregator), else the decoder's status (1002 for a protocol violation). The peer may still
         * be sending: the rest is read and discarded until it closes (see {@link Linger}), so that it
         * gets the close frame rather than a TCP reset.
         */
        private void closeLingering(Connection c, String remote, Throwable e) {
            WebSocketCloseStatus status = e instanceof CorruptedWebSocketFrameException cw && cw.closeStatus() != null
                    ? cw.closeStatus() : WebSocketCloseStatus.MESSAGE_TOO_BIG;
            String reason;
            String report;
            if (status.code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
                reason = "message larger than maxFrame " + maxFrameLength + " bytes";
                report = reason + ": close 1009 (message too big)";
            } else {
                reason = e.getMessage() != null ? e.getMessage() : status.reasonText();
                report = describe(e) + ": close " + status.code() + " (" + status.reasonText() + ")";
            }
            if (!binding.stopping()) {
                binding.error(remote, report, null);
            }
            c.channel().pipeline().addFirst(Linger.NAME, new Linger(binding::stopping));
            c.channel().writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        }

        private Message copy(WebSocketFrame frame) {
            byte[] bytes;
            if (frame instanceof BinaryFrameReader.Owned owned) {
                bytes = owned.bytes(); // unmasked into its own array: nothing else holds it
            } else {
                ByteBuf buf = frame.content();
                bytes = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), bytes);
            }
            binding.metrics().message(bytes.length);
            return Message.of(bytes);
        }
    }

    /**
     * Replaces the frame decoder the handshake installed (reactor-netty's {@code WebsocketServerSpec}
     * does not expose Netty's {@link WebSocketDecoderConfig}) by the same decoder with
     * {@code closeOnProtocolViolation(false)}: a protocol violation or a frame over the limit is then
     * only raised, and the source closes the connection with a lingering close. Called on the event
     * loop right after the handshake, before the first read of the upgraded connection.
     */
    private void lenientDecoder(ChannelPipeline pipeline) {
        ChannelHandlerContext ctx = pipeline.context(WebSocketFrameDecoder.class);
        if (ctx != null && ctx.handler() instanceof WebSocket08FrameDecoder) {
            WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(maxFrameLength)
                    .allowExtensions(true)
                    .closeOnProtocolViolation(false)
                    .build();
            pipeline.replace(ctx.name(), ctx.name(), new WebSocket13FrameDecoder(config));
        }
    }

    private static String describe(Throwable e) {
        String text = TransportSupport.text(e);
        if (e instanceof AbortedException || e instanceof EOFException) {
            return "peer closed the connection without a WebSocket close frame (abnormal closure 1006;"
                    + " a partly received frame is discarded) (" + text + ")";
        }
        return text;
    }
}
