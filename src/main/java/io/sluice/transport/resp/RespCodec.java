package io.sluice.transport.resp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.AttributeKey;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;

/**
 * The RESP channel pipeline shared by the {@code resp} source and the {@code priority-queue} sink.
 *
 * <pre>
 *  bytes -&gt; {@link RespRequestDecoder} (arrays of bulk strings and inline commands, straight into
 *           one {@link RespCommand} per request; a bulk string over maxBulkLength or an array over
 *           maxArguments is refused when its header arrives, before any byte of it is buffered)
 *        -&gt; Guard (an unexpected pipeline exception: logged, connection closed)
 *        -&gt; the endpoint's handler
 *  replies &lt;- the endpoint's handler appends {@link RespReply} bytes to one buffer per read batch and
 *           writes and flushes it once, in channelReadComplete ({@link ReplyWriter} for the source,
 *           {@link WorkerConnection} for the sink): no encoder, one socket write per batch
 * </pre>
 *
 * Malformed input answers {@code -ERR Protocol error: ...} and closes the connection with that
 * reason, as Redis does; the server and other connections are unaffected.
 */
final class RespCodec {

    private static final Logger LOG = LoggerFactory.getLogger(RespCodec.class);

    /** Told the reason when a connection is closed for malformed input (set by {@link #install}). */
    private static final AttributeKey<Consumer<String>> ON_PROTOCOL_ERROR =
            AttributeKey.valueOf(RespCodec.class, "onProtocolError");

    private RespCodec() {
    }

    /**
     * Installs the codec on an accepted connection.
     *
     * @param c the connection
     * @param maxBulkLength longest bulk string accepted, in bytes
     * @param maxArguments most elements in a request array
     * @param onProtocolError told the reason when the connection is closed for malformed input
     */
    static void install(Connection c, int maxBulkLength, int maxArguments, Consumer<String> onProtocolError) {
        c.channel().attr(ON_PROTOCOL_ERROR).set(onProtocolError);
        c.addHandlerLast("respDecoder", new RespRequestDecoder(maxBulkLength, maxArguments));
        c.addHandlerLast("respGuard", new Guard());
    }

    /**
     * Answers {@code -ERR Protocol error: reason} and closes the channel once it is written (after the
     * replies already queued: the endpoints write their read batch before the event loop runs this);
     * reports the reason once to the connection's protocol-error callback.
     *
     * @param ch the connection's channel
     * @param reason why
     */
    static void refuse(Channel ch, String reason) {
        Consumer<String> report = ch.attr(ON_PROTOCOL_ERROR).getAndSet(null);
        if (report == null) {
            return;
        }
        report.accept(reason);
        ch.eventLoop().execute(() -> {
            ch.config().setAutoRead(false);
            ch.writeAndFlush(RespReply.error("Protocol error: " + reason).toByteBuf())
                    .addListener(ChannelFutureListener.CLOSE);
        });
    }

    /**
     * Answers {@code +OK} to {@code QUIT} and closes the channel once it is written (after the replies
     * already queued, as {@link #refuse}).
     *
     * @param ch the connection's channel
     */
    static void quit(Channel ch) {
        ch.eventLoop().execute(() -> ch.writeAndFlush(RespReply.OK.toByteBuf()).addListener(ChannelFutureListener.CLOSE));
    }

    /** Turns unexpected pipeline failures into a close, instead of an unhandled pipeline error. */
    private static final class Guard extends ChannelInboundHandlerAdapter {

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException) {
                Throwable root = cause.getCause() != null ? cause.getCause() : cause;
                refuse(ctx.channel(), String.valueOf(root.getMessage()));
            } else {
                // e.g. a reset by the peer: nothing to answer, the connection is gone
                LOG.debug("resp connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
                ctx.close();
            }
        }
    }
}
