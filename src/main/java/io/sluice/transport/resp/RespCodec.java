package io.sluice.transport.resp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.Connection;

/**
 * The RESP channel pipeline shared by the {@code resp} source and the {@code priority-queue} sink,
 * made of Netty's Redis codec, plus reply constructors.
 *
 * <pre>
 *  bytes -&gt; RedisDecoder (inline commands too; inline lines up to 64 KiB; Netty refuses bulk
 *           lengths over 512 MiB itself)
 *        -&gt; Limits (a bulk string longer than maxBulkLength: -ERR + close, before any byte of it is
 *           buffered)
 *        -&gt; RedisBulkStringAggregator -&gt; RedisArrayAggregator (at most maxArguments elements,
 *           no nesting) -&gt; the endpoint's handler (one {@link RespCommand} per request)
 *  replies &lt;- RedisEncoder &lt;- the endpoint's handler, which flushes once per read batch
 *           (pipelining: {@link ReplyWriter} for the source, {@link WorkerConnection} for the sink)
 * </pre>
 *
 * Malformed input (a decoder error, an over-long array) answers {@code -ERR Protocol error: ...}
 * and closes the connection with that reason, as Redis does; the server and other connections are
 * unaffected.
 */
final class RespCodec {

    private static final Logger LOG = LoggerFactory.getLogger(RespCodec.class);

    static final SimpleStringRedisMessage OK = new SimpleStringRedisMessage("OK");
    static final SimpleStringRedisMessage PONG = new SimpleStringRedisMessage("PONG");

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
        c.addHandlerLast("respDecoder", new RedisDecoder(true));
        c.addHandlerLast("respLimits", new Limits(maxBulkLength));
        c.addHandlerLast("respBulk", new RedisBulkStringAggregator());
        c.addHandlerLast("respArray", new RedisArrayAggregator(maxArguments, 1));
        c.addHandlerLast("respGuard", new Guard());
        c.addHandlerFirst("respEncoder", new RedisEncoder());
    }

    /** @return {@code -ERR message} */
    static ErrorRedisMessage error(String message) {
        return new ErrorRedisMessage("ERR " + message);
    }

    /** @return an integer reply */
    static IntegerRedisMessage integer(long value) {
        return new IntegerRedisMessage(value);
    }

    /** @return a bulk string reply holding exactly {@code bytes} */
    static FullBulkStringRedisMessage bulk(byte[] bytes) {
        return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(bytes));
    }

    /** @return the null bulk string (nil) */
    static FullBulkStringRedisMessage nil() {
        return FullBulkStringRedisMessage.NULL_INSTANCE;
    }

    /** @return a bulk string reply, or the null bulk string for null */
    static FullBulkStringRedisMessage bulk(String text) {
        return text == null ? FullBulkStringRedisMessage.NULL_INSTANCE
                : new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** @return the error for a wrong number of arguments, in Redis's words */
    static ErrorRedisMessage wrongArity(String command) {
        return error("wrong number of arguments for '" + command.toLowerCase(java.util.Locale.ROOT) + "' command");
    }

    /**
     * Answers {@code -ERR Protocol error: reason} and closes the channel once it is written (after the
     * replies already queued); reports the reason once to the connection's protocol-error callback.
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
            ch.writeAndFlush(error("Protocol error: " + reason)).addListener(ChannelFutureListener.CLOSE);
        });
    }

    /** Refuses a bulk string longer than the limit as soon as its header is decoded. */
    private static final class Limits extends ChannelInboundHandlerAdapter {
        private final int maxBulkLength;
        private boolean refused;

        Limits(int maxBulkLength) {
            this.maxBulkLength = maxBulkLength;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof BulkStringHeaderRedisMessage h && h.bulkStringLength() > maxBulkLength) {
                refused = true;
                refuse(ctx.channel(), "invalid bulk length " + h.bulkStringLength() + " (limit " + maxBulkLength
                        + " bytes)");
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Turns decoder failures into a protocol-error reply and a close, instead of a pipeline error. */
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
