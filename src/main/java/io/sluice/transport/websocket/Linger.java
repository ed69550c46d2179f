package io.sluice.transport.websocket;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Lingering close, first in a WebSocket connection's pipeline: when the server closes a connection
 * whose peer may still be sending (typically right after a 1009 or 1002 close frame, while a fast
 * client is still writing the rest of an oversized message), closing the socket with unread bytes
 * would make the kernel send a TCP reset, and the peer could lose the close frame and see 1006
 * without a reason. Instead the output is shut down after the close frame (FIN), the input is read
 * and discarded until the peer closes, for at most {@value #LINGER_MS} ms, and only then is the
 * socket closed. Installed by the source when it closes a connection for an oversized message; not
 * applied while the source is stopping.
 */
final class Linger extends ChannelDuplexHandler {

    static final String NAME = "sluiceLinger";
    static final long LINGER_MS = 1000;

    private final BooleanSupplier stopping;
    private boolean lingering;

    /** @param stopping whether the source is stopping (then connections close at once) */
    Linger(BooleanSupplier stopping) {
        this.stopping = stopping;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (lingering) {
            // closes once the peer has closed or the linger time is up
            ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
            return;
        }
        if (stopping.getAsBoolean() || !(ctx.channel() instanceof DuplexChannel ch)
                || !ch.isActive() || ch.isInputShutdown()) {
            ctx.close(promise);
            return;
        }
        lingering = true;
        ch.config().setAutoRead(true);
        ctx.flush();
        ch.shutdownOutput().addListener(f -> ch.read());
        ch.closeFuture().addListener(f -> promise.trySuccess());
        ctx.executor().schedule(() -> {
            if (ch.isOpen()) {
                ctx.close();
            }
        }, LINGER_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!lingering) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (lingering && evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            ctx.close().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
