package io.sluice.transport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a server connection from which nothing was read for {@code idleTimeout} (Netty's
 * {@link IdleStateHandler}, reader side, first in the pipeline: any byte counts, keepalive answers
 * and TLS records included). A connection the source itself stopped reading (auto-read off and no
 * read requested: the pipeline has no demand, or a request waits for room) is not idle: backpressure never closes a
 * connection. The close reason is {@code idle}, or {@code keepalive} when a keepalive ping
 * ({@link #pinged}) went unanswered since the last read; the {@link Closer} reports it.
 */
public final class IdleClose extends IdleStateHandler {

    /** The handler's name in the pipeline. */
    public static final String NAME = "sluice.idleClose";

    private static final Logger LOG = LoggerFactory.getLogger(IdleClose.class);
    private static final AttributeKey<Boolean> PINGED = AttributeKey.valueOf("sluice.pinged");
    private static final AttributeKey<Boolean> READ_REQUESTED = AttributeKey.valueOf("sluice.readRequested");

    /** Closes a channel for a reason and remembers why (see {@link CloseReasons}). */
    @FunctionalInterface
    public interface Closer {
        /**
         * @param channel the connection to close
         * @param reason one of {@code TransportMetrics.CLOSE_REASONS}
         */
        void close(Channel channel, String reason);
    }

    private final Closer closer;
    private final Duration timeout;

    private IdleClose(Duration timeout, Closer closer) {
        super(timeout.toNanos(), 0, 0, TimeUnit.NANOSECONDS);
        this.timeout = timeout;
        this.closer = closer;
    }

    /**
     * Installs the handler on an accepted connection, once.
     *
     * @param channel the connection
     * @param timeout longest time without a byte read; {@link Duration#ZERO}: never closed for that
     * @param closer closes it and reports the reason
     */
    public static void install(Channel channel, Duration timeout, Closer closer) {
        if (timeout.isZero() || channel.pipeline().get(NAME) != null) {
            return;
        }
        // an accepted connection is to be read: reactor-netty's HTTP server requested its first read
        // before this handler was there to see it
        channel.attr(READ_REQUESTED).set(Boolean.TRUE);
        channel.pipeline().addFirst(NAME, new IdleClose(timeout, closer));
    }

    /**
     * A keepalive ping was sent on {@code channel}: if nothing is read before it goes idle, it is
     * closed with reason {@code keepalive}.
     *
     * @param channel the connection
     */
    public static void pinged(Channel channel) {
        channel.attr(PINGED).set(Boolean.TRUE);
    }

    /**
     * @param channel a connection
     * @return whether the source wants to read from it: auto-read on, or (reactor-netty's HTTP
     *         server reads on request) a read requested and not served yet
     */
    public static boolean reading(Channel channel) {
        return channel.config().isAutoRead() || Boolean.TRUE.equals(channel.attr(READ_REQUESTED).get());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        ctx.channel().attr(PINGED).set(null);
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(READ_REQUESTED).set(null); // a read requested now asks for the next one
        super.channelReadComplete(ctx);
    }

    @Override
    public void read(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(READ_REQUESTED).set(Boolean.TRUE);
        super.read(ctx);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() != IdleState.READER_IDLE || !ctx.channel().isActive()) {
            return;
        }
        if (!reading(ctx.channel())) {
            return; // the source is not reading (backpressure): not the peer's silence
        }
        String reason = Boolean.TRUE.equals(ctx.channel().attr(PINGED).get()) ? "keepalive" : "idle";
        LOG.debug("closing {}: nothing read for {} ({})", ctx.channel().remoteAddress(), timeout, reason);
        closer.close(ctx.channel(), reason);
    }
}
