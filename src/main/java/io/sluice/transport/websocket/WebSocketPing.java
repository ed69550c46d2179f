package io.sluice.transport.websocket;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.sluice.transport.internal.IdleClose;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Server keepalive of an upgraded WebSocket connection: after {@code pingInterval} without a byte
 * read it sends a ping frame (and again every interval). A live peer answers with a pong, which is
 * a read; a peer that answers nothing is closed by {@link IdleClose} once {@code idleTimeout} has
 * passed, with reason {@code keepalive}.
 */
final class WebSocketPing extends IdleStateHandler {

    static final String NAME = "sluice.wsPing";

    private WebSocketPing(Duration interval) {
        super(interval.toNanos(), 0, 0, TimeUnit.NANOSECONDS);
    }

    /**
     * @param ch an upgraded connection
     * @param interval time without reads before a ping; {@link Duration#ZERO}: no pings
     */
    static void install(Channel ch, Duration interval) {
        if (!interval.isZero() && ch.pipeline().get(NAME) == null) {
            ch.pipeline().addFirst(NAME, new WebSocketPing(interval));
        }
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() == IdleState.READER_IDLE && ctx.channel().isActive() && ctx.channel().config().isAutoRead()) {
            IdleClose.pinged(ctx.channel());
            ctx.channel().writeAndFlush(new PingWebSocketFrame()); // from the tail: through the frame encoder
        }
    }
}
