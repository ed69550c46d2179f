package io.sluice.transport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.sluice.Ack;
import io.sluice.Message;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.netty.Connection;

/**
 * Acknowledges each {@link Message} a stream sink sends once Netty has written its bytes to the
 * socket (the write's promise succeeded: the peer's kernel has them or is about to, nothing is left
 * in Sluice's buffers). A message whose write fails is never acknowledged.
 *
 * <p>The sink calls {@link #expect} with the exact object it is about to send (a {@code ByteBuf}
 * or a WebSocket frame) just before handing it to reactor-netty; this handler, installed last in
 * the connection's pipeline (so it sees the objects as the sink wrote them, before any encoder),
 * matches writes against those objects by identity, in order. Writes it was not told about (a
 * WebSocket close frame, a handshake) pass through untouched.
 */
public final class WriteAcks extends ChannelOutboundHandlerAdapter {

    private static final String NAME = "sluice.writeAcks";

    private record Pending(Object written, Ack ack) {
    }

    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

    private WriteAcks() {
    }

    /**
     * @param c a client connection
     * @return the handler now installed on it
     */
    public static WriteAcks install(Connection c) {
        WriteAcks w = new WriteAcks();
        c.addHandlerLast(NAME, w);
        return w;
    }

    /**
     * @param written the object about to be written for {@code m}
     * @param m the message; nothing is recorded when it awaits no acknowledgement
     * @param <T> the written object's type
     * @return {@code written}
     */
    public <T> T expect(T written, Message m) {
        if (m.awaitsAck()) {
            pending.add(new Pending(written, m::ack));
        }
        return written;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Pending p = pending.peek();
        if (p == null || p.written != msg) {
            ctx.write(msg, promise);
            return;
        }
        pending.poll();
        ChannelPromise mine = ctx.newPromise();
        mine.addListener(f -> {
            if (f.isSuccess()) {
                p.ack.done();
                if (!promise.isVoid()) {
                    promise.trySuccess();
                }
            } else if (!promise.isVoid()) {
                promise.tryFailure(f.cause());
            }
        });
        ctx.write(msg, mine);
    }
}
