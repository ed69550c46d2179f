package io.sluice.transport.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes a {@code resp} source connection's replies in command order, as one buffer and one flush
 * per read batch. It sits in the channel pipeline after the RESP decoder, so it sees each read batch
 * begin ({@code channelRead}) and end ({@code channelReadComplete}):
 * <ul>
 *   <li>a reply made on the connection's event loop, with no reply from another thread still queued,
 *       is appended to the batch buffer during a read batch (written and flushed in
 *       {@code channelReadComplete}, or once the buffer holds {@value #MAX_BATCH_BYTES} bytes), and
 *       written and flushed at once outside one (the pipeline's demand arrived later);</li>
 *   <li>a reply made on another thread (the pipeline's demand reached the connection from there) is
 *       queued to the event loop and appended there; the last queued one writes and flushes, so
 *       replies never overtake each other.</li>
 * </ul>
 * A client that pipelines commands but never reads its replies is refused once more than
 * {@code maxPendingBytes} of replies wait for it.
 */
final class ReplyWriter extends ChannelInboundHandlerAdapter {

    /** A long read batch (a pipelining client) is written every this many bytes of replies. */
    static final int MAX_BATCH_BYTES = 16 * 1024;

    private final Channel ch;
    private final int maxPendingBytes;
    /** Replies handed to the event loop and not yet written. */
    private final AtomicInteger queued = new AtomicInteger();
    /** Event loop only: inside a read batch. */
    private boolean reading;
    /** Event loop only: replies not yet written, or null. */
    private ByteBuf batch;
    /**
     * Event loop only: a constant reply ({@link RespReply#sharedView()}) that is so far the whole batch
     * ({@link #batch} is then null); written as its shared buffer if nothing follows it in the batch
     * (a one-request-at-a-time client's {@code +OK}: no buffer allocated, no bytes copied).
     */
    private RespReply single;

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
    void reply(RespReply reply) {
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        if (pending != null && pending.totalPendingWriteBytes() > maxPendingBytes) {
            RespCodec.refuse(ch, "client does not read its replies (over " + maxPendingBytes + " bytes pending)");
            return;
        }
        if (ch.eventLoop().inEventLoop() && queued.get() == 0) {
            if (reading && batch == null && single == null && reply.isShared()) {
                single = reply;
                return;
            }
            append(reply);
            if (!reading || batch.readableBytes() >= MAX_BATCH_BYTES) {
                writeBatch();
            }
            return;
        }
        queued.incrementAndGet();
        ch.eventLoop().execute(() -> {
            append(reply);
            if ((queued.decrementAndGet() == 0 && !reading) || batch.readableBytes() >= MAX_BATCH_BYTES) {
                writeBatch();
            }
        });
    }

    /** Event loop only. */
    private void append(RespReply reply) {
        if (batch == null) {
            batch = ch.alloc().ioBuffer(Math.max(256, reply.length()));
        }
        RespReply first = single;
        if (first != null) {
            single = null;
            first.writeTo(batch);
        }
        reply.writeTo(batch);
    }

    /** Event loop only: writes and flushes the batch buffer, if any. */
    private void writeBatch() {
        RespReply only = single;
        if (only != null) {
            single = null; // batch is null: nothing came after it
            if (ch.isActive()) {
                ch.writeAndFlush(only.sharedView(), ch.voidPromise());
            }
            return;
        }
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            if (ch.isActive()) {
                ch.writeAndFlush(b, ch.voidPromise());
            } else {
                b.release();
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        writeBatch();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        reading = false; // replies still to come are written (and released: the channel is closed) at once
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        single = null;
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            b.release();
        }
    }
}
