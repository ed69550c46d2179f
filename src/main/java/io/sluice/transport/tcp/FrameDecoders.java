package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Netty frame decoders that, in addition to the stock behaviour, report a peer that closed the
 * connection in the middle of a frame: the leftover bytes are discarded and a {@link PartialFrame}
 * marker is emitted, which the source turns into a connection error (newline framing may instead
 * emit an unterminated last line as a message, see {@link Line}).
 */
final class FrameDecoders {

    private FrameDecoders() {
    }

    /** Marker emitted when the peer closed the connection with an incomplete frame pending. */
    record PartialFrame(int pendingBytes) {
    }

    static final class LengthField extends LengthFieldBasedFrameDecoder {
        LengthField(int maxFrameLength) {
            // maxFrameLength of Netty counts the 4-byte prefix; strip the prefix; fail fast.
            super(Integer.MAX_VALUE - 4 < maxFrameLength ? Integer.MAX_VALUE : maxFrameLength + 4, 0, 4, 0, 4, true);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            super.decodeLast(ctx, in, out);
            partial(in, out);
        }
    }

    /**
     * Newline frames. At end of stream, bytes after the last {@code '\n'} are either emitted as one
     * last frame, unchanged ({@code lastLineAtEof}), or discarded and reported as a {@link PartialFrame}.
     * They never exceed {@code maxFrameLength}: a longer line has already failed the connection.
     */
    static final class Line extends LineBasedFrameDecoder {
        private final int maxFrameLength;
        private final boolean lastLineAtEof;

        Line(int maxFrameLength, boolean lastLineAtEof) {
            // One byte of slack for Netty's fail-fast check, which counts every buffered byte without
            // '\n': a line of exactly maxFrameLength whose "\r\n" a read splits after the '\r' was
            // refused as too long (found by TcpFramingFuzzTest). The exact limit is checked below.
            super(maxFrameLength == Integer.MAX_VALUE ? maxFrameLength : maxFrameLength + 1, true, true);
            this.maxFrameLength = maxFrameLength;
            this.lastLineAtEof = lastLineAtEof;
        }

        @Override
        protected Object decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
            Object frame = super.decode(ctx, buffer);
            if (frame instanceof ByteBuf line && line.readableBytes() > maxFrameLength) {
                int n = line.readableBytes();
                line.release();
                throw tooLong(n);
            }
            return frame;
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            super.decodeLast(ctx, in, out);
            if (in.readableBytes() > maxFrameLength) {
                int n = in.readableBytes();
                in.skipBytes(n);
                throw tooLong(n);
            }
            if (lastLineAtEof && in.isReadable()) {
                out.add(in.readRetainedSlice(in.readableBytes()));
            }
            partial(in, out);
        }

        private TooLongFrameException tooLong(int length) {
            return new TooLongFrameException("frame length (" + length + ") exceeds the allowed maximum ("
                    + maxFrameLength + ")");
        }
    }

    private static void partial(ByteBuf in, List<Object> out) {
        int n = in.readableBytes();
        if (n > 0) {
            in.skipBytes(n);
            out.add(new PartialFrame(n));
        }
    }
}
