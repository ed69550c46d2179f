package io.sluice.transport.resp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.redis.RedisMessage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes a {@code resp} source connection's replies in command order with one flush per read
 * batch. It sits in the channel pipeline after the RESP decoder, so it sees each read batch begin
 * ({@code channelRead}) and end ({@code channelReadComplete}):
 * <ul>
 *   <li>a reply made on the connection's event loop, with no reply from another thread still queued,
 *       is written at once; during a read batch it is flushed with the batch in
 *       {@code channelReadComplete} (or with every {@value #MAX_UNFLUSHED}th reply of a long batch),
 *       outside one (the pipeline's demand arrived later) at once;</li>
 *   <li>a reply made on another thread (the pipeline's demand reached the connection from there) is
 *       queued to the event loop; the last queued one flushes, so replies never overtake each other.</li>
 * </ul>
 * A client that pipelines commands but never reads its replies is refused once more than
 * {@code maxPendingBytes} of replies wait for it.
 */
final class ReplyWriter extends ChannelInboundHandlerAdapter {

    private final Channel ch;
    private final int maxPendingBytes;
    /** Replies handed to the event loop and not yet written. */
    private final AtomicInteger queued = new AtomicInteger();
    /** Event loop only: inside a read batch. */
    private boolean reading;
    /** Event loop only: replies written and not flushed. */
    private int unflushed;
    /** A long read batch (a pipelining client) is flushed every this many replies. */
    private static final int MAX_UNFLUSHED = 256;

    /** @return the connection's channel */
    Channel channel() {
        return ch;
    }

    ReplyWriter(Channel ch, int maxPendingBytes) {
        this.ch = ch;
        this.maxPendingBytes = maxPendingBytes;
    }

    /**
     * Writes one reply after every earlier one (any thread).
     *
     * @param reply the reply
     */
    void reply(RedisMessage reply) {
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (pending != null && pending.totalPendingWriteBytes() > maxPendingBytes) {
            RespCodec.refuse(ch, "client does not read its replies (over " + maxPendingBytes + " bytes pending)");
            return;
        }
        if (ch.eventLoop().inEventLoop() && queued.get() == 0) {
            ch.write(reply, ch.voidPromise());
            if (reading && ++unflushed < MAX_UNFLUSHED) {
                return;
            }
            unflushed = 0;
            ch.flush();
            return;
        }
        queued.incrementAndGet();
        ch.eventLoop().execute(() -> {
            ch.write(reply, ch.voidPromise());
            if ((queued.decrementAndGet() == 0 && !reading) || ++unflushed >= MAX_UNFLUSHED) {
                ch.flush();
                unflushed = 0;
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (unflushed > 0) {
            unflushed = 0;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }
}
