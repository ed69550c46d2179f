package io.sluice.transport.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Serves one worker connection of a {@code priority-queue} sink on its Netty event loop: each
 * decoded request is run through {@link WorkerCommands} inside {@code channelRead}, its reply
 * appended to the connection's batch buffer, and the buffer written and flushed once per read batch
 * in {@code channelReadComplete} (or every {@value #MAX_BATCH_BYTES} bytes of a long batch): a
 * pipelining worker gets one socket write per batch, a one-at-a-time worker one per reply. No
 * Reactor operator and no reply object sits between the socket and the backlog for {@code NEXT}.
 *
 * <p>Replies keep command order. A command that cannot answer at once ({@code BNEXT} waiting for an
 * item, {@code SNAPSHOT} writing the file) makes the connection busy: reading stops, the requests
 * already decoded wait in order, and when the reply comes (on whatever thread) it is written on the
 * event loop, then the waiting requests run and reading resumes, as Redis serves a blocked client.
 * When the worker does not read its replies (the channel is not writable), reading stops until it
 * does. A closed connection cancels its waiting {@code BNEXT}.
 */
final class WorkerConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerConnection.class);

    /** A long read batch (a pipelining worker) is written every this many bytes of replies. */
    static final int MAX_BATCH_BYTES = 16 * 1024;

    private final WorkerCommands commands;
    /** Requests decoded while a command was in progress, in arrival order (event loop only). */
    private final ArrayDeque<RespCommand> waiting = new ArrayDeque<>();
    /** The command in progress, or null (event loop only). */
    private Disposable inProgress;
    private boolean closed;
    /** Replies not yet written, or null (event loop only). */
    private ByteBuf batch;

    WorkerConnection(WorkerCommands commands) {
        this.commands = commands;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RespCommand cmd = (RespCommand) msg;
        if (inProgress != null) {
            waiting.add(cmd);
            return;
        }
        run(ctx, cmd);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flush(ctx);
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && inProgress == null) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        waiting.clear();
        release();
        Disposable d = inProgress;
        if (d != null) {
            d.dispose(); // a waiting BNEXT stops waiting: no item goes to a closed connection
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private ByteBuf batch(ChannelHandlerContext ctx) {
        if (batch == null) {
            batch = ctx.alloc().ioBuffer(256);
        }
        return batch;
    }

    /** Writes the batch buffer, if any, and flushes. */
    private void flush(ChannelHandlerContext ctx) {
        ByteBuf b = batch;
        if (b == null) {
            return;
        }
        batch = null;
        if (b.isReadable() && !closed) {
            ctx.writeAndFlush(b, ctx.voidPromise());
        } else {
            b.release();
        }
    }

    private void release() {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            b.release();
        }
    }

    /** Runs one command: a reply at once is appended to the batch; else the connection waits. */
    private void run(ChannelHandlerContext ctx, RespCommand cmd) {
        ByteBuf out = batch(ctx);
        Mono<RespReply> later;
        try {
            later = commands.execute(ctx.channel(), cmd, out);
        } catch (RuntimeException e) {
            LOG.debug("priority-queue: command failed on {}: {}", ctx.channel().remoteAddress(), e.toString());
            RespReply.error(String.valueOf(e.getMessage())).writeTo(out);
            later = null;
        }
        if (later == null) {
            if (out.readableBytes() >= MAX_BATCH_BYTES) {
                flush(ctx);
            }
            return;
        }
        ctx.channel().config().setAutoRead(false);
        Pending p = new Pending(ctx);
        inProgress = p;
        later.subscribe(p);
    }

    /** Called on the event loop when the command in progress answered (reply may be null: none). */
    private void done(ChannelHandlerContext ctx, RespReply reply) {
        inProgress = null;
        if (closed) {
            return;
        }
        if (reply != null) {
            reply.writeTo(batch(ctx));
        }
        while (inProgress == null && !waiting.isEmpty()) {
            run(ctx, waiting.poll());
        }
        flush(ctx);
        if (inProgress == null && ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The subscriber of one command that answers later; hands its reply to the event loop. */
    private final class Pending extends BaseSubscriber<RespReply> {
        private final ChannelHandlerContext ctx;
        private RespReply reply;

        Pending(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void hookOnNext(RespReply value) {
            reply = value;
        }

        @Override
        protected void hookOnError(Throwable t) {
            LOG.debug("priority-queue: command failed on {}: {}", ctx.channel().remoteAddress(), t.toString());
            reply = RespReply.error(String.valueOf(t.getMessage()));
        }

        @Override
        protected void hookFinally(SignalType type) {
            if (type == SignalType.CANCEL) {
                return;
            }
            RespReply r = reply;
            if (ctx.executor().inEventLoop()) {
                done(ctx, r);
            } else {
                ctx.executor().execute(() -> done(ctx, r));
            }
        }
    }
}
