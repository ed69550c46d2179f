package io.sluice.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sink's encoder for its binary data frames (RFC 6455 section 5.2, client to server, so masked
 * with a fresh random key per frame as section 5.3 requires). It writes the header and masks the
 * payload into one buffer of the exact frame size, eight bytes per step, straight from the message's
 * {@code byte[]}: Netty's {@code WebSocket08FrameEncoder} masks through {@code ByteBuf} reads and
 * writes that check bounds and capacity for every eight bytes, which was half of the sink's CPU at
 * 79,435 B (benchmarks/results/ws-profile-2026-12-03/). Every other frame (close, ping, pong, text,
 * fragments, frames with extension bits) goes on to Netty's encoder unchanged.
 */
final class MaskingEncoder extends ChannelOutboundHandlerAdapter {

    static final String NAME = "sluice.wsMask";
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /**
     * Installs the encoder in front of Netty's frame encoder (outbound writes reach it first).
     *
     * @param pipeline the pipeline of an upgraded client connection
     */
    static void install(ChannelPipeline pipeline) {
        io.netty.channel.ChannelHandlerContext netty = pipeline.context(WebSocketFrameEncoder.class);
        if (netty != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(netty.name(), NAME, new MaskingEncoder());
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof BinaryWebSocketFrame f && f.isFinalFragment() && f.rsv() == 0) {
            ByteBuf frame;
            try {
                frame = encode(ctx, f.content());
            } catch (RuntimeException | Error e) {
                promise.tryFailure(e); // as Netty's encoders do: the write fails, the caller hears it
                return;
            } finally {
                f.release();
            }
            ctx.write(frame, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    private static ByteBuf encode(ChannelHandlerContext ctx, ByteBuf data) {
        int len = data.readableBytes();
        int header = 2 + (len <= 125 ? 0 : len <= 0xFFFF ? 2 : 8) + 4;
        ByteBuf out = ctx.alloc().directBuffer(header + len);
        out.writeByte(0x80 | 0x2); // FIN, binary
        if (len <= 125) {
            out.writeByte(0x80 | len);
        } else if (len <= 0xFFFF) {
            out.writeByte(0x80 | 126);
            out.writeShort(len);
        } else {
            out.writeByte(0x80 | 127);
            out.writeLong(len);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        out.writeInt(mask);
        if (len == 0) {
            return out;
        }
        int start = out.writerIndex();
        ByteBuffer dst = out.internalNioBuffer(start, len).order(ByteOrder.BIG_ENDIAN);
        int base = dst.position();
        byte[] src;
        int from;
        if (data.hasArray()) {
            src = data.array();
            from = data.arrayOffset() + data.readerIndex();
        } else {
            src = new byte[len];
            data.getBytes(data.readerIndex(), src);
            from = 0;
        }
        long longMask = (mask & 0xFFFFFFFFL) | ((long) mask << 32);
        int i = 0;
        for (int lim = len - 7; i < lim; i += 8) {
            dst.putLong(base + i, (long) LONGS.get(src, from + i) ^ longMask);
        }
        for (; i < len; i++) {
            // byte i of the payload is masked with byte (i mod 4) of the key, most significant first
            dst.put(base + i, (byte) (src[from + i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        out.writerIndex(start + len);
        return out;
    }
}
