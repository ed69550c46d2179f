package io.sluice.transport.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.sluice.event.EventDispatcher;
import java.time.Duration;
import java.util.Arrays;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServerRequest;

/** Small pieces of plumbing the transport packages share. Not part of the user-facing API. */
public final class TransportSupport {

    private TransportSupport() {
    }

    /**
     * The growth rule of a byte array that gathers input of a bounded size (a request body, a frame
     * split across reads): at least {@code need} bytes, doubling, never more than {@code max}.
     *
     * @param bytes the array so far (its content is kept)
     * @param need the bytes it must hold now ({@code <= max})
     * @param max the most it may ever need
     * @return {@code bytes} when it holds {@code need} already, else a larger copy
     */
    public static byte[] grow(byte[] bytes, long need, int max) {
        if (bytes.length >= need) {
            return bytes;
        }
        return Arrays.copyOf(bytes, (int) Math.min(max, Math.max(need, 2L * bytes.length)));
    }

    /**
     * Dispatches {@code event} when a dispatcher is configured.
     *
     * @param events the dispatcher, or null
     * @param event the event
     */
    public static void publish(EventDispatcher events, Object event) {
        if (events != null) {
            events.dispatch(event);
        }
    }

    /**
     * @param c a connection
     * @return completes once every write queued on {@code c} before it has left the channel
     */
    public static Mono<Void> drained(Connection c) {
        return Mono.create(s -> c.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess()) {
                s.success();
            } else {
                s.error(f.cause());
            }
        }));
    }

    /**
     * @param c a connection
     * @return completes when {@code c} is closed
     */
    public static Mono<Void> close(Connection c) {
        c.dispose();
        return c.onDispose();
    }

    /**
     * How long {@link #closeGracefully} waits for the peer to close its side before closing anyway.
     */
    public static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private static final String DRAIN = "sluice.drainOnClose";

    /**
     * Closes a client connection whose writes all left the channel without losing any of them: TLS's
     * {@code close_notify} is sent ({@link SslHandler#closeOutbound()}), then the sending side is shut
     * down (FIN after the last byte), and the connection is closed once the peer has closed its side
     * (it read everything up to the FIN), or after {@code wait}. Meanwhile whatever the peer still sends
     * (its own {@code close_notify}, anything) is read and dropped.
     *
     * <p>Closing at once instead (what {@link #close} does) lost data: a sink never reads its connection
     * (reactor-netty reads only on inbound demand), so a TLS 1.3 session ticket that the JDK's TLS server
     * sends after the handshake stayed unread in the receive buffer; closing a socket with unread bytes
     * makes the kernel send a reset instead of a FIN, which throws away everything still queued for
     * sending (megabytes when the receiver is slower than the sender) and makes the peer fail with
     * "Connection reset by peer" ({@code SinkCloseDeliveryTest}). After {@code wait} the socket is closed
     * anyway; having read what arrived, it then ends with a FIN, not a reset.
     *
     * @param c a connection
     * @param wait longest wait for the peer's close
     * @return completes when {@code c} is closed
     */
    public static Mono<Void> closeGracefully(Connection c, Duration wait) {
        Channel ch = c.channel();
        if (!(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
            return close(c);
        }
        Mono<Void> peerClosed = Mono.create(s -> {
            ch.closeFuture().addListener(f -> s.success());
            ch.eventLoop().execute(() -> {
                if (!ch.isActive()) {
                    return;
                }
                if (ch.pipeline().get(DRAIN) == null) {
                    if (ch.pipeline().get(NettyPipeline.ReactiveBridge) != null) {
                        ch.pipeline().addBefore(NettyPipeline.ReactiveBridge, DRAIN, new Drain());
                    } else {
                        ch.pipeline().addLast(DRAIN, new Drain());
                    }
                }
                ch.config().setAutoRead(true);
                ch.read();
                SslHandler ssl = ch.pipeline().get(SslHandler.class);
                ChannelFuture notified = ssl == null ? ch.newSucceededFuture() : ssl.closeOutbound();
                notified.addListener(f -> {
                    if (ch.isActive()) {
                        duplex.shutdownOutput();
                    }
                });
            });
        });
        return peerClosed.timeout(wait, Mono.empty()).onErrorResume(e -> Mono.empty()).then(Mono.defer(() -> close(c)));
    }

    /** Drops what a closing connection still reads. */
    private static final class Drain extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * @param e a failure
     * @return its simple class name and message, for a {@code ConnectionError} reason
     */
    public static String text(Throwable e) {
        String cls = e.getClass().getSimpleName();
        return e.getMessage() == null ? cls : cls + ": " + e.getMessage();
    }

    /**
     * The request's path, or null when its URI is not a valid URI (a NUL byte or a space in the path
     * gets past Netty's request-line parser, and reactor-netty's {@code fullPath()} then throws
     * {@link IllegalArgumentException} out of the handler: no answer, and an ERROR stack trace).
     *
     * @param req an HTTP request
     * @return its path, or null if malformed
     */
    public static String requestPath(HttpServerRequest req) {
        try {
            return req.fullPath();
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
