package io.sluice.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import reactor.netty.NettyPipeline;

/**
 * Slowloris limits of a reactor-netty HTTP server connection (HTTP source, WebSocket upgrade):
 * <ul>
 *   <li>{@code headerTimeout}: from the first byte of a request until its headers are complete;</li>
 *   <li>{@code bodyTimeout}: from the end of the headers until the end of the body. While the
 *       source itself does not read the body (auto-read off: the request waits for room in the
 *       pipeline) the timer starts again when it expires, so only the peer's slowness counts.</li>
 * </ul>
 * A request over either is answered {@code 408 Request Timeout} and its connection closed (reason
 * {@code header_timeout} / {@code body_timeout}, through {@link CloseReasons}). A connection that
 * sends nothing at all is {@link IdleClose}'s. Two handlers share the state: one before the HTTP
 * codec sees raw bytes (a request starts), one after it sees decoded requests. After a WebSocket
 * upgrade (the codec is gone) both remove themselves. A timer is set only for a request still
 * incomplete at the end of a read (counted from its start), so a request that arrives whole costs none.
 */
public final class HttpDeadlines {

    private static final String BEFORE = "sluice.httpDeadlines.bytes";
    private static final String AFTER = "sluice.httpDeadlines.requests";
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private enum State { WAITING, HEADERS, BODY }

    private final Duration headerTimeout;
    private final Duration bodyTimeout;
    private final CloseReasons reasons;
    private State state = State.WAITING; // event loop only
    /** When the current state began (System.nanoTime): its limit counts from there. */
    private long since;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext raw;

    private HttpDeadlines(Duration headerTimeout, Duration bodyTimeout, CloseReasons reasons) {
        this.headerTimeout = headerTimeout;
        this.bodyTimeout = bodyTimeout;
        this.reasons = reasons;
    }

    /**
     * Installs the limits on a connection whose pipeline has reactor-netty's HTTP codec and traffic
     * handler (in {@code doOnChannelInit}); does nothing otherwise or when both are zero.
     *
     * @param ch the accepted connection
     * @param headerTimeout longest time for a request's headers; {@link Duration#ZERO}: no limit
     * @param bodyTimeout longest time for a request's body; {@link Duration#ZERO}: no limit
     * @param reasons where the close reason is recorded
     */
    public static void install(Channel ch, Duration headerTimeout, Duration bodyTimeout, CloseReasons reasons) {
        if ((headerTimeout.isZero() && bodyTimeout.isZero()) || ch.pipeline().get(NettyPipeline.HttpCodec) == null
                || ch.pipeline().get(NettyPipeline.HttpTrafficHandler) == null) {
            return;
        }
        HttpDeadlines d = new HttpDeadlines(headerTimeout, bodyTimeout, reasons);
        ch.pipeline().addBefore(NettyPipeline.HttpCodec, BEFORE, d.new Bytes());
        ch.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, AFTER, d.new Requests());
    }

    /** Enters a state; its timer is set only if the state outlasts the read (see {@link Bytes#channelReadComplete}). */
    private void enter(State next) {
        cancel();
        state = next;
        since = System.nanoTime();
    }

    /** At the end of a read: the limit of a state still in progress, counted from when it began. */
    private void armIfWaiting() {
        if (timer != null || state == State.WAITING) {
            return;
        }
        if (state == State.HEADERS) {
            arm(headerTimeout, "header_timeout", since);
        } else {
            arm(bodyTimeout, "body_timeout", since);
        }
    }

    private void arm(Duration timeout, String reason, long from) {
        cancel();
        if (!timeout.isZero() && raw.channel().isActive()) {
            long left = Math.max(0, timeout.toNanos() - (System.nanoTime() - from));
            timer = raw.executor().schedule(() -> expired(timeout, reason), left, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired(Duration timeout, String reason) {
        timer = null;
        Channel ch = raw.channel();
        if (!ch.isActive()) {
            return;
        }
        if (state == State.BODY && !IdleClose.reading(ch)) {
            since = System.nanoTime();
            arm(timeout, reason, since); // the source is not reading the body: not the peer's slowness
            return;
        }
        reasons.mark(ch, reason);
        // from before the codec: raw bytes, not through the HTTP encoder
        raw.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Before the codec: the first byte of a request starts the header timer. */
    private final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            raw = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (state == State.WAITING && msg instanceof ByteBuf b && b.isReadable()) {
                if (ctx.pipeline().get(HttpServerCodec.class) == null && ctx.pipeline().get(NettyPipeline.HttpCodec) == null) {
                    upgraded(ctx);
                } else {
                    enter(State.HEADERS);
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // what this read brought has been decoded and seen by Requests by now: a request that
            // came whole in one read never sets a timer
            armIfWaiting();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        private void upgraded(ChannelHandlerContext ctx) {
            cancel();
            ctx.pipeline().remove(this);
            if (ctx.pipeline().get(AFTER) != null) {
                ctx.pipeline().remove(AFTER);
            }
        }
    }

    /** After the codec: complete headers stop the header timer and start the body timer. */
    private final class Requests extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (CloseReasons.of(ctx.channel()) != null) {
                // closed for a limit: what the codec decodes from the rest (a request cut short) is
                // not a malformed request, and is not handled
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest) {
                enter(State.BODY);
            }
            if (msg instanceof LastHttpContent) {
                enter(State.WAITING);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
