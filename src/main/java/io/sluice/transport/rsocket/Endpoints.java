package io.sluice.transport.rsocket;

import reactor.netty.http.client.HttpClient;
import io.sluice.transport.tls.TlsContext;
import io.sluice.transport.tls.ClientTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.rsocket.util.DefaultPayload;
import io.sluice.transport.auth.RSocketAuth;
import io.sluice.transport.auth.SinkToken;
import io.rsocket.DuplexConnection;
import io.rsocket.RSocket;
import io.rsocket.RSocketErrorException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.rsocket.core.RSocketConnector;
import io.rsocket.exceptions.ConnectionErrorException;
import io.rsocket.core.RSocketServer;
import io.rsocket.frame.FrameHeaderCodec;
import io.rsocket.frame.FrameLengthCodec;
import io.rsocket.frame.FrameType;
import io.rsocket.frame.SetupFrameCodec;
import io.rsocket.plugins.DuplexConnectionInterceptor;
import io.rsocket.transport.ClientTransport;
import io.rsocket.transport.ServerTransport;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.client.WebsocketClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.transport.netty.server.WebsocketServerTransport;
import io.sluice.transport.internal.ConnectionReporter;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.internal.ServerSkeleton;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * RSocket's TCP or WebSocket transport, as the builder chose, with its inbound size limits, and
 * what every side does with connections.
 *
 * <p>Size limits: a payload (data + Sluice metadata) may be at most {@code maxMessageSize} bytes.
 * The transports' frame-length limit (TCP length decoder, WebSocket {@code maxFramePayloadLength})
 * and rsocket-java's {@code maxInboundPayloadSize} (which also bounds reassembled fragments) are
 * set to that plus {@link #FRAME_OVERHEAD}: a frame beyond it fails the whole connection in the
 * transport, before it is buffered; a payload between the two fails its stream only (see
 * {@link Payloads#toMessage}).
 */
final class Endpoints {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);

    /** Room for an RSocket frame's own header fields (length, stream id, type, flags, metadata length, request-n). */
    static final int FRAME_OVERHEAD = 64;

    /** Largest {@code maxMessageSize}: RSocket frame lengths are 24-bit. */
    static final int MAX_MESSAGE_SIZE = FrameLengthCodec.FRAME_LENGTH_MASK - FRAME_OVERHEAD;

    private Endpoints() {
    }

    static int frameLimit(int maxMessageSize) {
        return maxMessageSize + FRAME_OVERHEAD;
    }

    /**
     * A server transport with the frame-length limit. Over TCP an oversized frame errors the
     * connection's inbound frames ({@link Tracked} reports it and closes the connection); over
     * WebSocket, Netty's frame decoder closes the connection itself (status 1009, message too big)
     * and the error reaches only the channel pipeline, where {@link FrameErrors} reports it.
     */
    static ServerTransport<CloseableChannel> server(String host, int port, boolean webSocket, int maxMessageSize,
                                                    ServerSkeleton.Binding reporter,
                                                    java.util.function.Consumer<io.netty.channel.Channel> accepted) {
        int limit = frameLimit(maxMessageSize);
        ServerSecurity security = reporter.security();
        if (!webSocket) {
            return TcpServerTransport.create(security.secure(TcpServer.create()).host(host).port(port)
                    .doOnChannelInit((observer, ch, address) -> {
                        reporter.idle(ch);
                        accepted.accept(ch);
                    }), limit);
        }
        HttpServer http = security.secure(HttpServer.create()).host(host).port(port)
                .doOnChannelInit((observer, ch, address) -> {
                    reporter.idle(ch);
                    accepted.accept(ch);
                })
                .doOnConnection(c -> {
                    // once per channel: the callback may run again for another request on a kept-alive connection
                    if (c.channel().pipeline().get("sluice.frameErrors") == null) {
                        c.channel().pipeline().addBefore(NettyPipeline.ReactiveBridge, "sluice.frameErrors",
                                new FrameErrors(maxMessageSize, reporter));
                    }
                });
        return WebsocketServerTransport.create(http).webSocketSpec(s -> s.maxFramePayloadLength(limit));
    }

    static ClientTransport client(String host, int port, boolean webSocket, int maxMessageSize, TlsContext tls) {
        int limit = frameLimit(maxMessageSize);
        return webSocket
                ? WebsocketClientTransport.create(ClientTls.secure(HttpClient.create().host(host).port(port), tls), "/")
                        .webSocketSpec(s -> s.maxFramePayloadLength(limit))
                : TcpClientTransport.create(ClientTls.secure(TcpClient.create().host(host).port(port), tls), limit);
    }

    /**
     * An RSocket server whose inbound payloads are bounded and whose every accepted connection is
     * counted and reported through the subscription's binding: {@code ConnectionOpened} on accept
     * (or refused beyond {@code maxConnections}), {@code ConnectionError} when the transport fails
     * it (e.g. a frame over the limit), {@code ConnectionClosed} when it closes.
     */
    static RSocketServer server(io.rsocket.SocketAcceptor acceptor, int maxMessageSize, ServerSkeleton.Binding b) {
        return RSocketServer.create(acceptor)
                .maxInboundPayloadSize(frameLimit(maxMessageSize))
                .interceptors(r -> r.forConnection((DuplexConnectionInterceptor) (type, c) ->
                        type == DuplexConnectionInterceptor.Type.SOURCE ? new Tracked(c, maxMessageSize, b) : c));
    }

    /**
     * A client connector whose inbound payloads are bounded and whose SETUP frame carries the bearer
     * token ({@code message/x.rsocket.authentication.v0} in composite metadata), read when it connects.
     */
    static RSocketConnector connector(int maxMessageSize, SinkToken token) {
        RSocketConnector c = RSocketConnector.create().maxInboundPayloadSize(frameLimit(maxMessageSize));
        if (token == null) {
            return c;
        }
        return c.metadataMimeType(RSocketAuth.compositeMetadataMimeType())
                .setupPayload(Mono.fromCallable(() -> {
                    ByteBuf m = RSocketAuth.bearerSetupMetadata(ByteBufAllocator.DEFAULT, token.current());
                    try {
                        return DefaultPayload.create(new byte[0], ByteBufUtil.getBytes(m));
                    } finally {
                        m.release();
                    }
                }));
    }

    /**
     * Connects a client whose inbound payloads are bounded. Cancelling the returned {@code Mono}
     * does not cancel the connection attempt: the attempt runs to its end and a connection that
     * arrives after the cancel is disposed at once.
     *
     * <p>Why: rsocket-java 1.1.5's {@code RSocketConnector} encodes the SETUP frame, queues a
     * retained slice of it on the connection, and releases its own reference only when the
     * client-setup step that follows is requested. A cancel that lands between the two (a
     * subscriber giving up while the TCP or WebSocket connection is being set up) skips that
     * step, and the SETUP frame's buffer leaks (Netty's leak detector reports it, created in
     * {@code SetupFrameCodec.encode}); no upstream issue was found for it. Shielding the attempt
     * from the cancel lets the connector finish, which releases the frame, and the connection is
     * then closed normally.
     */
    static Mono<RSocket> connect(String host, int port, boolean webSocket, int maxMessageSize, TlsContext tls,
                                 SinkToken token) {
        Mono<RSocket> attempt = connector(maxMessageSize, token)
                .connect(client(host, port, webSocket, maxMessageSize, tls));
        return Mono.create(sink -> {
            AtomicReference<Object> state = new AtomicReference<>();
            sink.onCancel(() -> {
                Object prev = state.getAndSet(CANCELLED);
                if (prev instanceof RSocket r) {
                    r.dispose();
                }
            });
            attempt.subscribe(r -> {
                if (state.compareAndSet(null, r)) {
                    sink.success(r);
                } else {
                    LOG.debug("rsocket: connection to {}:{} arrived after its subscriber cancelled; closing it", host, port);
                    r.dispose();
                }
            }, e -> {
                if (state.get() != CANCELLED) {
                    sink.error(e);
                }
            });
        });
    }

    private static final Object CANCELLED = new Object();

    /**
     * @return the remote address of the accepted connection whose frame is being handled on this
     *         thread: rsocket-java calls a {@code SocketAcceptor} while it handles the connection's
     *         SETUP frame, on that connection's event loop, so an acceptor can name its peer
     */
    static String acceptingRemote() {
        String r = ACCEPTING.get();
        return r == null ? "rsocket-peer" : r;
    }

    private static final ThreadLocal<String> ACCEPTING = new ThreadLocal<>();
    private static final ThreadLocal<SocketAddress> ACCEPTING_PEER = new ThreadLocal<>();

    /** @return as {@link #acceptingRemote()}, the address itself (null when unknown) */
    static SocketAddress acceptingPeer() {
        return ACCEPTING_PEER.get();
    }

    /** Closes a client connection and reports it closed. */
    static Mono<Void> close(RSocket r, String remote, ConnectionReporter reporter) {
        r.dispose();
        // reported before the returned Mono completes (not in doFinally, which runs after the
        // completion reached the subscriber), so a caller that awaited the write sees the event
        return r.onClose().onErrorResume(e -> Mono.empty()).then(Mono.fromRunnable(() -> reporter.closed(remote)));
    }

    static String describe(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getHostString() + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** Reports a WebSocket connection that Netty's frame decoder closed because of a bad or oversized frame. */
    private static final class FrameErrors extends ChannelInboundHandlerAdapter {
        private final int maxMessageSize;
        private final ConnectionReporter reporter;

        FrameErrors(int maxMessageSize, ConnectionReporter reporter) {
            this.maxMessageSize = maxMessageSize;
            this.reporter = reporter;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof CorruptedWebSocketFrameException || cause instanceof TooLongFrameException) {
                report(describe(ctx.channel().remoteAddress()), cause, maxMessageSize, reporter);
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    private static String report(String remote, Throwable e, int maxMessageSize, ConnectionReporter reporter) {
        String reason = "connection closed: " + e.getMessage() + " (inbound frames are limited to maxMessageSize "
                + maxMessageSize + " + " + FRAME_OVERHEAD + " bytes of frame header)";
        reporter.error(remote, reason, e);
        return reason;
    }

    /**
     * An accepted transport connection, observed: opened now (or refused and closed beyond
     * {@code maxConnections}), failed or closed later, reported once each.
     */
    private static final class Tracked implements DuplexConnection {
        private final DuplexConnection delegate;
        private final String remote;
        private final int maxMessageSize;
        private final ConnectionReporter reporter;
        private final ServerSkeleton.Binding binding;
        private volatile long lastFrame = System.nanoTime();
        private volatile long maxLifetimeNanos;

        Tracked(DuplexConnection delegate, int maxMessageSize, ServerSkeleton.Binding b) {
            this.delegate = delegate;
            this.remote = describe(delegate.remoteAddress());
            this.maxMessageSize = maxMessageSize;
            this.reporter = b;
            this.binding = b;
            // not closed by the skeleton when the subscription ends: a peer's stream in flight still
            // gets its answer (the final count of a channel, the barrier of fire-and-forget), and
            // the peer closes the connection; the server itself stops accepting at once
            if (!b.track(remote, null)) {
                delegate.dispose();
                return;
            }
            delegate.onClose().doFinally(s -> b.untrack(remote, null)).subscribe(x -> { }, e -> { });
        }

        @Override
        public Flux<ByteBuf> receive() {
            return delegate.receive().doOnNext(f -> {
                lastFrame = System.nanoTime();
                if (maxLifetimeNanos == 0 && FrameHeaderCodec.frameType(f) == FrameType.SETUP) {
                    maxLifetimeNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
                            SetupFrameCodec.keepAliveMaxLifetime(f));
                }
                ACCEPTING.set(remote);
                ACCEPTING_PEER.set(delegate.remoteAddress());
            }).doOnError(e -> {
                String reason = report(remote, e, maxMessageSize, reporter);
                // tell the peer why (ERROR frame on stream 0) and close: the frame stream is no longer in sync
                delegate.sendErrorAndClose(new ConnectionErrorException(reason));
            });
        }

        @Override
        public void sendFrame(int streamId, ByteBuf frame) {
            delegate.sendFrame(streamId, frame);
        }

        @Override
        public void sendErrorAndClose(RSocketErrorException e) {
            delegate.sendErrorAndClose(e);
        }

        @Override
        public ByteBufAllocator alloc() {
            return delegate.alloc();
        }

        @Override
        public SocketAddress remoteAddress() {
            return delegate.remoteAddress();
        }

        @Override
        public double availability() {
            return delegate.availability();
        }

        @Override
        public Mono<Void> onClose() {
            return delegate.onClose();
        }

        /**
         * rsocket-java disposes a connection whose peer sent no frame (KEEPALIVE included) for the
         * SETUP's max lifetime ("No keep-alive acks"): such a close is reported with reason keepalive.
         */
        @Override
        public void dispose() {
            if (maxLifetimeNanos > 0 && System.nanoTime() - lastFrame >= maxLifetimeNanos && !delegate.isDisposed()) {
                binding.reasons().mark(remote, "keepalive");
            }
            delegate.dispose();
        }

        @Override
        public boolean isDisposed() {
            return delegate.isDisposed();
        }
    }
}
