package io.sluice.transport.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;

/**
 * Serves one worker connection of a {@code priority-queue} sink on its Netty event loop: each
 * decoded request is run through {@link WorkerCommands} inside {@code channelRead} and its reply
 * written at once, and the replies of one read batch are flushed together in
 * {@code channelReadComplete} (a pipelining worker gets one write for the batch, a one-at-a-time
 * worker one write per reply). No Reactor operator sits between the socket and the backlog.
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

    private final WorkerCommands commands;
    /** Requests decoded while a command was in progress, in arrival order (event loop only). */
    private final ArrayDeque<RespCommand> waiting = new ArrayDeque<>();
    /** The command in progress, or null (event loop only). */
    private Disposable inProgress;
    private boolean closed;
    /** Replies written and not flushed (event loop only). */
    private int unflushed;
    /** A long read batch (a pipelining worker) is flushed every this many replies. */
    private static final int MAX_UNFLUSHED = 256;

    WorkerConnection(WorkerCommands commands) {
        this.commands = commands;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RespCommand cmd;
        try {
            cmd = RespCommand.of((RedisMessage) msg);
        } finally {
            ReferenceCountUtil.release(msg);
        }
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
        Disposable d = inProgress;
        if (d != null) {
            d.dispose(); // a waiting BNEXT stops waiting: no item goes to a closed connection
        }
        ctx.fireChannelInactive();
    }

    private void flush(ChannelHandlerContext ctx) {
        unflushed = 0;
        ctx.flush();
    }

    /** Runs one command: a reply at once is written (flushed with the batch); else the connection waits. */
    @SuppressWarnings("unchecked")
    private void run(ChannelHandlerContext ctx, RespCommand cmd) {
        Mono<RedisMessage> reply = commands.execute(ctx.channel(), cmd);
        if (reply instanceof Fuseable.ScalarCallable) {
            RedisMessage now;
            try {
                now = ((Callable<RedisMessage>) reply).call();
            } catch (Exception e) {
                now = RespCodec.error(String.valueOf(e.getMessage()));
            }
            if (now != null) {
                ctx.write(now, ctx.voidPromise());
                if (++unflushed >= MAX_UNFLUSHED) {
                    flush(ctx);
                }
            }
            return;
        }
        ctx.channel().config().setAutoRead(false);
        Pending p = new Pending(ctx);
        inProgress = p;
        reply.subscribe(p);
    }

    /** Called on the event loop when the command in progress answered (reply may be null: none). */
    private void done(ChannelHandlerContext ctx, RedisMessage reply) {
        inProgress = null;
        if (closed) {
            ReferenceCountUtil.release(reply);
            return;
        }
        if (reply != null) {
            ctx.write(reply, ctx.voidPromise());
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
    private final class Pending extends reactor.core.publisher.BaseSubscriber<RedisMessage> {
        private final ChannelHandlerContext ctx;
        private RedisMessage reply;

        Pending(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void hookOnNext(RedisMessage value) {
            reply = value;
        }

        @Override
        protected void hookOnError(Throwable t) {
            LOG.debug("priority-queue: command failed on {}: {}", ctx.channel().remoteAddress(), t.toString());
            reply = RespCodec.error(String.valueOf(t.getMessage()));
        }

        @Override
        protected void hookFinally(reactor.core.publisher.SignalType type) {
            if (type == reactor.core.publisher.SignalType.CANCEL) {
                return;
            }
            RedisMessage r = reply;
            if (ctx.executor().inEventLoop()) {
                done(ctx, r);
            } else {
                ctx.executor().execute(() -> done(ctx, r));
            }
        }
    }
}
