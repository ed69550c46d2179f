package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.sluice.transport.internal.TransportSupport;
import java.util.Arrays;

/**
 * The TCP source's frame decoders. Each hands over a whole read's frames as one {@link Frames} batch
 * of {@code byte[]} payloads, copied straight out of the read buffer (which is released at once), so
 * the pipeline behind sees one object per socket read instead of one per frame. Only the bytes of a
 * frame that a read leaves unfinished are kept, in a heap array, until the next read ends it: there
 * is no cumulation buffer. A frame over the maximum ends the batch with a {@link TooLong} marker and
 * everything after it is discarded (the source closes the connection); a peer that closes the
 * connection in the middle of a frame gets a {@link PartialFrame} marker (newline framing may instead
 * emit an unterminated last line as a message, see {@link Lines}).
 */
final class FrameDecoders {

    private FrameDecoders() {
    }

    /** Marker emitted when the peer closed the connection with an incomplete frame pending. */
    record PartialFrame(int pendingBytes) {
    }

    /** Marker ending a {@link Frames} batch: a frame over the maximum; the connection is to be closed. */
    record TooLong(TooLongFrameException error) {
    }

    /**
     * Decodes each read into a {@link Frames} batch; at end of stream (the channel going inactive or
     * its input shut down), what is left becomes a last batch. Like Netty's {@code ByteToMessageDecoder},
     * when a read completes without a batch while {@code autoRead} is off (backpressure), it asks for
     * another read: the frame in progress needs more bytes before anything can be delivered.
     */
    abstract static class Batching extends ChannelInboundHandlerAdapter {
        final int maxFrameLength;
        /** Capacity for the next batch: the size of the last one (frames per read vary little). */
        private int expected = 16;
        private boolean delivered;
        private boolean ended;
        private boolean failed;

        Batching(int maxFrameLength) {
            this.maxFrameLength = maxFrameLength;
        }

        /** @return the frames completed by this read (null: none); reads bytes up to the writer index */
        abstract Frames decode(ByteBuf in);

        /** @return the batch of what is left at end of stream, or null */
        abstract Frames end();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf in)) {
                ctx.fireChannelRead(msg);
                return;
            }
            Frames f;
            try {
                f = failed || ended ? null : decode(in);
            } finally {
                in.release();
            }
            if (f != null) {
                delivered = true;
                expected = Math.max(16, f.size());
                ctx.fireChannelRead(f);
            }
        }

        /** Adds a payload to {@code f}, or to a new batch sized for a read like the last one. */
        Frames add(Frames f, byte[] payload) {
            return Frames.add(f == null ? new Frames(expected) : f, payload);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!delivered && !ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
            delivered = false;
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            atEnd(ctx);
            super.channelInactive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ChannelInputShutdownEvent) {
                atEnd(ctx);
            }
            super.userEventTriggered(ctx, evt);
        }

        private void atEnd(ChannelHandlerContext ctx) {
            if (ended) {
                return;
            }
            ended = true;
            Frames f = failed ? null : end();
            if (f != null) {
                ctx.fireChannelRead(f);
                ctx.fireChannelReadComplete();
            }
        }

        /** Ends {@code f} (or a new batch) with a {@link TooLong} marker; nothing is decoded after it. */
        Frames fail(Frames f, String length) {
            failed = true;
            return Frames.mark(f, new TooLong(new TooLongFrameException(
                    "frame length (" + length + ") exceeds the allowed maximum (" + maxFrameLength + ')')));
        }
    }

    /**
     * Newline frames, delimiter stripped ({@code '\n'} or {@code "\r\n"}): the same frames and limits
     * as Netty's {@code LineBasedFrameDecoder(max, true, true)}. A line longer than
     * {@code maxFrameLength}, or more than that many bytes without a newline, fails the connection
     * ({@link TooLong}). At end of stream, bytes after the last {@code '\n'} are either one last line,
     * unchanged ({@code lastLineAtEof}), or discarded and reported as a {@link PartialFrame}.
     */
    static final class Lines extends Batching {
        private final boolean lastLineAtEof;
        /** The start of a line that a read left unfinished ({@code carried} bytes). */
        private byte[] carry;
        private int carried;

        Lines(int maxFrameLength, boolean lastLineAtEof) {
            super(maxFrameLength);
            this.lastLineAtEof = lastLineAtEof;
        }

        @Override
        Frames decode(ByteBuf in) {
            int r = in.readerIndex();
            int w = in.writerIndex();
            Frames f = null;
            if (carried > 0) { // the read starts inside a line
                int eol = in.indexOf(r, w, (byte) '\n');
                if (eol < 0) {
                    return carry(f, in, r, w);
                }
                int tail = eol - r;
                long length = (long) carried + tail;
                if (length > 0 && (tail > 0 ? in.getByte(eol - 1) : carry[carried - 1]) == '\r') {
                    length--;
                }
                if (length > maxFrameLength) {
                    return fail(f, String.valueOf(length));
                }
                byte[] line = Arrays.copyOf(carry, (int) length);
                if (length > carried) {
                    in.getBytes(r, line, carried, (int) length - carried);
                }
                carried = 0;
                f = add(f, line);
                r = eol + 1;
            }
            while (r < w) {
                int eol = in.indexOf(r, w, (byte) '\n');
                if (eol < 0) {
                    return carry(f, in, r, w);
                }
                int length = eol - r;
                if (length > 0 && in.getByte(eol - 1) == '\r') {
                    length--;
                }
                if (length > maxFrameLength) {
                    return fail(f, String.valueOf(length));
                }
                byte[] line = new byte[length];
                in.getBytes(r, line);
                f = add(f, line);
                r = eol + 1;
            }
            return f;
        }

        /** Keeps {@code [r, w)} of {@code in} after what is carried; fails beyond the maximum. */
        private Frames carry(Frames f, ByteBuf in, int r, int w) {
            long total = (long) carried + (w - r);
            // a line of exactly maxFrameLength may wait for its '\n' behind its '\r' (a read split the "\r\n";
            // found by TcpFramingFuzzTest.lineOfTheMaximumSplitAfterItsCr)
            if (total > maxFrameLength + 1L || total == maxFrameLength + 1L && in.getByte(w - 1) != '\r') {
                carried = 0;
                carry = null;
                return fail(f, "over " + total);
            }
            carry = carry == null ? new byte[(int) Math.min(Math.max(total, 128), maxFrameLength + 1L)]
                    : TransportSupport.grow(carry, total, (int) Math.min(Integer.MAX_VALUE, maxFrameLength + 1L));
            in.getBytes(r, carry, carried, w - r);
            carried = (int) total;
            return f;
        }

        @Override
        Frames end() {
            int n = carried;
            carried = 0;
            if (n == 0) {
                return null;
            }
            if (n > maxFrameLength) { // maxFrameLength bytes and a '\r' (carry() let them wait), in both modes
                return fail(null, String.valueOf(n));
            }
            return lastLineAtEof ? add(null, Arrays.copyOf(carry, n)) : Frames.mark(null, new PartialFrame(n));
        }
    }

    /**
     * Length-prefixed frames: a 4-byte big-endian unsigned length, then that many payload bytes
     * (emitted without the prefix). A length over {@code maxFrameLength} fails the connection at once
     * ({@link TooLong}), before any of its payload is buffered; a frame left unfinished at end of
     * stream is reported as a {@link PartialFrame} of the bytes received of it (prefix included).
     * The payload of a frame split across reads is gathered in an array that grows with the bytes
     * received (not allocated at the announced length up front).
     */
    static final class LengthField extends Batching {
        private final byte[] prefix = new byte[4];
        private int prefixed;
        /** The frame in progress: its length, or -1 while its prefix is incomplete. */
        private int length = -1;
        private byte[] payload;
        private int received;

        LengthField(int maxFrameLength) {
            super(maxFrameLength);
        }

        @Override
        Frames decode(ByteBuf in) {
            int r = in.readerIndex();
            int w = in.writerIndex();
            Frames f = null;
            while (r < w) {
                if (length < 0) {
                    long n;
                    if (prefixed == 0 && w - r >= 4) {
                        n = in.getUnsignedInt(r);
                        r += 4;
                    } else {
                        int k = Math.min(4 - prefixed, w - r);
                        in.getBytes(r, prefix, prefixed, k);
                        r += k;
                        prefixed += k;
                        if (prefixed < 4) {
                            break;
                        }
                        prefixed = 0;
                        n = ((prefix[0] & 0xffL) << 24) | ((prefix[1] & 0xff) << 16) | ((prefix[2] & 0xff) << 8)
                                | (prefix[3] & 0xff);
                    }
                    if (n > maxFrameLength) {
                        return fail(f, String.valueOf(n));
                    }
                    if (w - r >= n) { // the usual case: the whole payload is in this read
                        byte[] p = new byte[(int) n];
                        in.getBytes(r, p);
                        r += (int) n;
                        f = add(f, p);
                        continue;
                    }
                    length = (int) n;
                    received = 0;
                    payload = new byte[Math.min(length, Math.max(w - r, 1024))];
                }
                int k = Math.min(length - received, w - r);
                payload = TransportSupport.grow(payload, received + k, length);
                in.getBytes(r, payload, received, k);
                r += k;
                received += k;
                if (received == length) {
                    f = add(f, payload);
                    payload = null;
                    length = -1;
                }
            }
            return f;
        }

        @Override
        Frames end() {
            int pending = length < 0 ? prefixed : 4 + received;
            payload = null;
            return pending == 0 ? null : Frames.mark(null, new PartialFrame(pending));
        }
    }
}
