package io.sluice.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The source's shortcut for the common frame: a complete (FIN), masked, binary frame without
 * extension bits, within {@code maxFrameLength}, in minimal length encoding (RFC 6455 section 5.2).
 * It sits in front of Netty's frame decoder and unmasks such a frame's payload from the socket's read
 * buffers straight into the {@code byte[]} the {@link io.sluice.Message} keeps ({@link Owned}): one copy
 * where the decoder path makes four (cumulation, the decoder's own copy, unmasking in place through
 * bounds-checked {@code ByteBuf} calls, the source's copy into the message), which made the source's
 * CPU at 79,435 B (benchmarks/results/ws-profile-2026-12-03/). The frame then passes Netty's decoder
 * untouched (it forwards anything that is not a {@code ByteBuf}).
 *
 * <p>Everything else is Netty's: ping and pong frames are handed to the decoder as their bytes; any
 * other frame (close, text, a fragment, an unmasked or oversized frame, reserved bits or opcodes, a
 * length not minimally encoded) hands the decoder that frame and everything after it on the
 * connection, so Netty validates, reports (1002, 1009) and discards exactly as without this reader.
 */
final class BinaryFrameReader extends ChannelInboundHandlerAdapter {

    static final String NAME = "sluice.wsBinaryFrames";
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int HEADER = 0;
    private static final int PAYLOAD = 1;
    private static final int PASS_FRAME = 2;
    private static final int PASS_ALL = 3;

    /** A binary frame whose payload array belongs to it alone: the message may keep the array. */
    static final class Owned extends BinaryWebSocketFrame {
        private final byte[] bytes;

        Owned(byte[] bytes) {
            super(Unpooled.wrappedBuffer(bytes));
            this.bytes = bytes;
        }

        byte[] bytes() {
            return bytes;
        }
    }

    private final int maxFrameLength;
    private final byte[] header = new byte[14];
    private int headerFill;
    private int mode = HEADER;
    private byte[] payload;
    private int filled;
    private int mask;
    private long passLeft;
    // this read cycle: a buffer came in / something went on (a frame, or bytes for the decoder)
    private boolean read;
    private boolean fired;

    private BinaryFrameReader(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    /**
     * Installs the reader in front of the connection's frame decoder.
     *
     * @param pipeline an upgraded server connection's pipeline
     * @param maxFrameLength the largest payload the decoder accepts
     */
    static void install(ChannelPipeline pipeline, int maxFrameLength) {
        ChannelHandlerContext decoder = pipeline.context(WebSocketFrameDecoder.class);
        if (decoder != null) {
            pipeline.addBefore(decoder.name(), NAME, new BinaryFrameReader(maxFrameLength));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (mode == PASS_ALL || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        read = true;
        try {
            while (in.isReadable()) {
                if (mode == HEADER) {
                    readHeader(ctx, in);
                } else if (mode == PAYLOAD) {
                    readPayload(ctx, in);
                } else {
                    int n = mode == PASS_ALL ? in.readableBytes() : (int) Math.min(passLeft, in.readableBytes());
                    fired = true;
                    ctx.fireChannelRead(in.readRetainedSlice(n));
                    passLeft -= n;
                    if (mode == PASS_FRAME && passLeft == 0) {
                        mode = HEADER;
                    }
                }
            }
        } finally {
            in.release();
        }
    }

    private void readHeader(ChannelHandlerContext ctx, ByteBuf in) {
        int needed = headerFill < 2 ? 2 : headerLength();
        int n = Math.min(needed - headerFill, in.readableBytes());
        in.readBytes(header, headerFill, n);
        headerFill += n;
        if (headerFill < needed || (needed == 2 && headerLength() > 2)) {
            return;
        }
        int b0 = header[0] & 0xFF;
        int b1 = header[1] & 0xFF;
        boolean fin = (b0 & 0x80) != 0;
        int rsv = (b0 >> 4) & 0x7;
        int opcode = b0 & 0xF;
        boolean masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;
        long length = len7 < 126 ? len7 : len7 == 126 ? ((header[2] & 0xFFL) << 8) | (header[3] & 0xFFL) : longAt(2);
        boolean minimal = len7 < 126 || (len7 == 126 ? length >= 126 : length >= 0x10000);
        int headerLength = headerFill;
        headerFill = 0;
        if (fin && rsv == 0 && opcode == 2 && masked && minimal && length <= maxFrameLength) {
            mask = (int) (((header[headerLength - 4] & 0xFFL) << 24) | ((header[headerLength - 3] & 0xFF) << 16)
                    | ((header[headerLength - 2] & 0xFF) << 8) | (header[headerLength - 1] & 0xFF));
            payload = new byte[(int) length];
            filled = 0;
            mode = PAYLOAD;
            if (length == 0) {
                emit(ctx);
            }
            return;
        }
        fired = true;
        ctx.fireChannelRead(Unpooled.wrappedBuffer(Arrays.copyOf(header, headerLength)));
        if (fin && rsv == 0 && (opcode == 0x9 || opcode == 0xA) && masked && len7 <= 125) {
            passLeft = length;
            mode = length == 0 ? HEADER : PASS_FRAME;
        } else {
            mode = PASS_ALL;
        }
    }

    /** @return the header's length in bytes, known once its first two bytes are */
    private int headerLength() {
        int len7 = header[1] & 0x7F;
        return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header[1] & 0x80) != 0 ? 4 : 0);
    }

    private long longAt(int i) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = (v << 8) | (header[i + k] & 0xFFL);
        }
        return v;
    }

    private void readPayload(ChannelHandlerContext ctx, ByteBuf in) {
        int n = Math.min(payload.length - filled, in.readableBytes());
        in.readBytes(payload, filled, n);
        unmask(payload, filled, n, mask);
        filled += n;
        if (filled == payload.length) {
            emit(ctx);
        }
    }

    private void emit(ChannelHandlerContext ctx) {
        byte[] done = payload;
        payload = null;
        mode = HEADER;
        fired = true;
        ctx.fireChannelRead(new Owned(done));
    }

    /**
     * Like Netty's decoders: a read that ended inside a frame, when reading is not automatic (the
     * pipeline's demand controls it), asks for the next read itself; nothing downstream saw this read,
     * so nothing else would, and the connection would wait forever on its own half frame.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (read && !fired && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        read = false;
        fired = false;
        ctx.fireChannelReadComplete();
    }

    /** Unmasks {@code b[from, from + n)}; byte {@code i} of the payload is masked with key byte {@code i mod 4}. */
    static void unmask(byte[] b, int from, int n, int mask) {
        int rotated = Integer.rotateLeft(mask, 8 * (from & 3));
        long longMask = (rotated & 0xFFFFFFFFL) | ((long) rotated << 32);
        int i = from;
        int end = from + n;
        for (int lim = end - 7; i < lim; i += 8) {
            LONGS.set(b, i, (long) LONGS.get(b, i) ^ longMask);
        }
        for (; i < end; i++) {
            b[i] ^= (byte) (mask >>> (24 - 8 * (i & 3)));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        payload = null;
    }
}
