package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Netty frame decoders that, in addition to the stock behaviour, report a peer that closed the
 * connection in the middle of a frame: the leftover bytes are discarded and a {@link PartialFrame}
 * marker is emitted, which the source turns into a connection error (newline framing may instead
 * emit an unterminated last line as a message, see {@link Lines}).
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
     * Newline frames, decoded in batches: every complete line in the bytes read so far goes into one
     * {@link Frames} (copied out as {@code byte[]}, delimiter stripped: {@code '\n'} or
     * {@code "\r\n"}), so the pipeline behind sees one object per socket read instead of one per
     * line. Same frames and limits as Netty's {@code LineBasedFrameDecoder(max, true, true)}: a
     * line longer than {@code maxFrameLength}, or more than that many bytes without a newline,
     * ends the batch with a {@link TooLong} marker and everything after it is discarded (the
     * source closes the connection). At end of stream, bytes after the last {@code '\n'} are
     * either one last line, unchanged ({@code lastLineAtEof}), or discarded and reported as a
     * {@link PartialFrame}.
     */
    static final class Lines extends ByteToMessageDecoder {
        private final int maxFrameLength;
        private final boolean lastLineAtEof;
        /** Bytes after the reader index already scanned without finding a '\n' (not scanned again). */
        private int scanned;
        private boolean failed;

        Lines(int maxFrameLength, boolean lastLineAtEof) {
            this.maxFrameLength = maxFrameLength;
            this.lastLineAtEof = lastLineAtEof;
            // a read almost always ends inside a line: the merging cumulator would copy every read
            // behind that partial line; the composite one only adds the read as a component
            setCumulator(COMPOSITE_CUMULATOR);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            Frames f = lines(in);
            if (f != null) {
                out.add(f);
            }
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            Frames f = in.isReadable() ? lines(in) : null;
            int n = in.readableBytes();
            if (n > 0) {
                if (n > maxFrameLength) { // maxFrameLength bytes and a '\r' (lines() let them wait), in both modes
                    in.skipBytes(n);
                    f = fail(f, String.valueOf(n));
                } else if (lastLineAtEof) {
                    byte[] last = new byte[n];
                    in.readBytes(last);
                    f = Frames.add(f, last);
                } else {
                    in.skipBytes(n);
                    f = Frames.add(f, new PartialFrame(n));
                }
            }
            if (f != null) {
                out.add(f);
            }
        }

        private Frames lines(ByteBuf in) {
            int start = in.readerIndex();
            int end = in.writerIndex();
            if (failed) {
                in.readerIndex(end);
                return null;
            }
            Frames f = null;
            NewlineSearch search = new NewlineSearch(in);
            while (start < end) {
                int eol = search.next(start + scanned, end);
                if (eol < 0) {
                    scanned = end - start;
                    // a line of exactly maxFrameLength may wait for its '\n' behind its '\r' (a read split
                    // the "\r\n"; found by TcpFramingFuzzTest.lineOfTheMaximumSplitAfterItsCr)
                    if (scanned > maxFrameLength
                            && !(scanned == (long) maxFrameLength + 1 && in.getByte(end - 1) == '\r')) {
                        f = fail(f, "over " + scanned);
                        start = end;
                    }
                    break;
                }
                scanned = 0;
                int length = eol - start;
                if (length > 0 && in.getByte(eol - 1) == '\r') {
                    length--;
                }
                if (length > maxFrameLength) {
                    f = fail(f, String.valueOf(length));
                    start = end;
                    break;
                }
                byte[] line = new byte[length];
                search.copy(start, line);
                f = Frames.add(f, line);
                start = eol + 1;
            }
            in.readerIndex(start);
            return f;
        }

        /** The first {@code '\n'} in {@code [from, to)} of {@code in}, or -1 (see {@link NewlineSearch}). */
        static int indexOfNewline(ByteBuf in, int from, int to) {
            return new NewlineSearch(in).next(from, to);
        }

        private Frames fail(Frames f, String length) {
            failed = true;
            scanned = 0;
            return Frames.add(f, new TooLong(new TooLongFrameException(
                    "frame length (" + length + ") exceeds the allowed maximum (" + maxFrameLength + ')')));
        }
    }

    /**
     * Newline search and line copy over one cumulation during one decode (the buffer does not change
     * meanwhile). The cumulation is usually composite (the partial line left by one read, then the next
     * read): its {@code indexOf} would look up the component for every 8 bytes and its
     * {@code getBytes} once per line. Here each component is searched in its own memory with Netty's
     * word-at-a-time {@code indexOf}, and the component found last is reused while the lines stay in it.
     */
    static final class NewlineSearch {
        private final ByteBuf in;
        private final CompositeByteBuf composite;
        private ByteBuf part;
        private int base;
        private int limit = -1;

        NewlineSearch(ByteBuf in) {
            this.in = in;
            this.composite = in instanceof CompositeByteBuf c ? c : null;
        }

        /** @return the index of the first {@code '\n'} in {@code [from, to)}, or -1 */
        int next(int from, int to) {
            if (composite == null) {
                return in.indexOf(from, to, (byte) '\n');
            }
            while (from < to) {
                if (from < base || from >= limit) {
                    int ci = composite.toComponentIndex(from);
                    base = composite.toByteIndex(ci);
                    part = composite.internalComponent(ci);
                    limit = base + part.writerIndex();
                }
                int stop = Math.min(to, limit);
                int i = part.indexOf(from - base, stop - base, (byte) '\n');
                if (i >= 0) {
                    return base + i;
                }
                from = stop;
            }
            return -1;
        }

        /** Copies {@code dst.length} bytes from {@code index}: from the last component when they lie in it. */
        void copy(int index, byte[] dst) {
            if (composite != null && index >= base && index + dst.length <= limit) {
                part.getBytes(index - base, dst);
            } else {
                in.getBytes(index, dst);
            }
        }
    }

    /** Marker ending a {@link Frames} batch: a line over the maximum; the connection is to be closed. */
    record TooLong(TooLongFrameException error) {
    }

    /**
     * The frames decoded from one read, in order: {@code byte[]} payloads, possibly ended by a
     * {@link TooLong} or {@link PartialFrame} marker.
     */
    static final class Frames implements Iterable<Object> {
        private final ArrayList<Object> items = new ArrayList<>();
        /** When the read these frames came in was decoded (epoch ms): the timestamp of their messages. */
        final long receivedAt = System.currentTimeMillis();

        static Frames add(Frames f, Object item) {
            Frames to = f == null ? new Frames() : f;
            to.items.add(item);
            return to;
        }

        int size() {
            return items.size();
        }

        @Override
        public Iterator<Object> iterator() {
            return items.iterator();
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
