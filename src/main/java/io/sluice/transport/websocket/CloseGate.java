package io.sluice.transport.websocket;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

/**
 * Turns the peer's close frame into an in-band end marker. Reactor-netty answers a close frame at
 * once and terminates the connection, discarding frames that were received but not yet requested
 * by a backpressured consumer. With this handler in front, the close frame is released and
 * {@link #END} is queued behind the data frames instead; the source completes the connection's
 * messages when it reaches the marker, after every earlier frame was delivered.
 */
final class CloseGate extends ChannelInboundHandlerAdapter {

    /** End-of-stream marker queued in place of the peer's close frame. */
    static final Object END = new Object() {
        @Override
        public String toString() {
            return "END";
        }
    };

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseWebSocketFrame close) {
            close.release();
            ctx.fireChannelRead(END);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
