package io.sluice.transport.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes client requests straight into {@link RespCommand}s: the two request forms a Redis server
 * accepts, as Redis's own {@code processMultibulkBuffer} / {@code processInlineBuffer} read them.
 * <ul>
 *   <li>An array of bulk strings, {@code *<n>\r\n} then n times {@code $<length>\r\n<bytes>\r\n}
 *       (what every client library and {@code redis-benchmark} send). {@code *0} and {@code *-1}
 *       are empty requests (ignored, as Redis does).</li>
 *   <li>An inline command: any line not starting with {@code *} (nor with another RESP type byte),
 *       ended by LF or CRLF, split at spaces and tabs ({@code PING}, {@code UPDATE a 5} typed into
 *       {@code nc}; no quoting, unlike Redis). An empty line is an empty request.</li>
 * </ul>
 * Netty's {@code RedisDecoder} + {@code RedisBulkStringAggregator} + {@code RedisArrayAggregator}
 * did this before, at the price of an array header, a bulk-string header and a content slice per
 * argument, a composite buffer and a full message per bulk string, and an array message per request,
 * all reference-counted, then a copy of every argument out of them; per request that was about a
 * quarter of the gateway's samples under {@code redis-benchmark}
 * ({@code benchmarks/results/resp-profile-2026-12-03c.md}). Here each argument is copied once, out of
 * the socket buffer, into the {@code byte[]} the command keeps.
 *
 * <h2>Partial input and limits</h2>
 * The decoder is a state machine over the cumulated input: it consumes a header line or a bulk
 * string only once it is complete, keeps the arguments decoded so far, and resumes where it stopped
 * on the next read, so a request split at any byte decodes the same, and decoding is linear in the
 * input. At most one bulk string is buffered incomplete, and its length is checked when its header
 * arrives, before any byte of it is buffered: a bulk string over {@code maxBulkLength} (e.g. a 1 GiB
 * length), an array over {@code maxArguments}, a header line over {@value #MAX_HEADER_LINE} bytes or
 * an inline line over {@value #MAX_INLINE_LINE} bytes is refused at once.
 *
 * <h2>Malformed input</h2>
 * The first malformed byte ends the connection's requests: the decoder emits a command carrying the
 * {@link RespCommand#protocolError} (after the commands decoded before it, so their replies come
 * first), discards all further input, and the endpoint answers {@code -ERR Protocol error: <reason>}
 * and closes ({@link RespCodec#refuse}).
 */
final class RespRequestDecoder extends ByteToMessageDecoder {

    /** Longest inline command line, as Netty's {@code RedisDecoder} allowed (Redis: 64 KiB too). */
    static final int MAX_INLINE_LINE = 64 * 1024;
    /** Longest {@code *<n>} / {@code $<length>} line, type byte and CRLF excluded. */
    static final int MAX_HEADER_LINE = 32;

    private static final long NEED_MORE = Long.MIN_VALUE;

    private final int maxBulkLength;
    private final int maxArguments;
    /** Bulk strings still expected in the current array; 0 between requests. */
    private int remaining;
    /** Length of the bulk string whose header was read, or -1 when a header is expected. */
    private int bulkLength = -1;
    /** Arguments of the current array so far. */
    private List<byte[]> parts;
    private boolean failed;

    /**
     * @param maxBulkLength longest bulk string accepted, in bytes
     * @param maxArguments most elements in a request array
     */
    RespRequestDecoder(int maxBulkLength, int maxArguments) {
        this.maxBulkLength = maxBulkLength;
        this.maxArguments = maxArguments;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        RespCommand cmd;
        try {
            cmd = next(in);
        } catch (Malformed e) {
            failed = true;
            parts = null;
            in.skipBytes(in.readableBytes());
            cmd = RespCommand.invalid(e.getMessage());
        }
        if (cmd != null) {
            out.add(cmd);
        }
    }

    /** @return the next complete command, or null when more input is needed (progress kept) */
    private RespCommand next(ByteBuf in) throws Malformed {
        if (remaining == 0) {
            if (!in.isReadable()) {
                return null;
            }
            byte first = in.getByte(in.readerIndex());
            if (first != '*') {
                if (first == '+' || first == '-' || first == ':' || first == '$') {
                    throw new Malformed("expected an array of bulk strings, got " + describe(first));
                }
                return inline(in);
            }
            long count = header(in, "multibulk length");
            if (count == NEED_MORE) {
                return null;
            }
            if (count > maxArguments) {
                throw new Malformed("invalid multibulk length " + count + " (limit " + maxArguments + " arguments)");
            }
            if (count <= 0) {
                return RespCommand.empty();
            }
            remaining = (int) count;
            parts = new ArrayList<>(remaining);
            bulkLength = -1;
        }
        while (remaining > 0) {
            if (bulkLength < 0) {
                if (!in.isReadable()) {
                    return null;
                }
                byte type = in.getByte(in.readerIndex());
                if (type != '$') {
                    throw new Malformed("expected an array of bulk strings, got " + describe(type));
                }
                long length = header(in, "bulk length");
                if (length == NEED_MORE) {
                    return null;
                }
                if (length < 0) {
                    throw new Malformed("invalid bulk length " + length);
                }
                if (length > maxBulkLength) {
                    throw new Malformed("invalid bulk length " + length + " (limit " + maxBulkLength + " bytes)");
                }
                bulkLength = (int) length;
            }
            if (in.readableBytes() < (long) bulkLength + 2) {
                return null;
            }
            byte[] arg = new byte[bulkLength];
            in.readBytes(arg);
            if (in.readByte() != '\r' || in.readByte() != '\n') {
                throw new Malformed("expected CRLF after a bulk string of " + bulkLength + " bytes");
            }
            parts.add(arg);
            bulkLength = -1;
            remaining--;
        }
        List<byte[]> done = parts;
        parts = null;
        return RespCommand.of(done);
    }

    /**
     * Reads a {@code *<n>} or {@code $<length>} line (type byte, optional minus, decimal digits, CRLF).
     *
     * @return its number, or {@link #NEED_MORE} when the line is not complete yet (nothing consumed)
     */
    private static long header(ByteBuf in, String what) throws Malformed {
        int start = in.readerIndex() + 1;
        int end = in.writerIndex();
        int cr = in.indexOf(start, Math.min(end, start + MAX_HEADER_LINE + 1), (byte) '\r');
        if (cr < 0) {
            if (end - start > MAX_HEADER_LINE) {
                throw new Malformed("invalid " + what + " (line over " + MAX_HEADER_LINE + " bytes)");
            }
            return NEED_MORE;
        }
        if (cr + 1 >= end) {
            return NEED_MORE;
        }
        if (in.getByte(cr + 1) != '\n') {
            throw new Malformed("invalid " + what + " (no LF after CR)");
        }
        boolean negative = in.getByte(start) == '-';
        int i = negative ? start + 1 : start;
        if (i == cr) {
            throw new Malformed("invalid " + what + " (no digits)");
        }
        long value = 0;
        for (; i < cr; i++) {
            int d = in.getByte(i) - '0';
            if (d < 0 || d > 9 || value > (Long.MAX_VALUE - d) / 10) {
                throw new Malformed("invalid " + what + " '" + printable(in, start, cr) + "'");
            }
            value = value * 10 + d;
        }
        in.readerIndex(cr + 2);
        return negative ? -value : value;
    }

    /** An inline command line, or null when its end has not arrived yet. */
    private static RespCommand inline(ByteBuf in) throws Malformed {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = in.indexOf(start, Math.min(end, start + MAX_INLINE_LINE + 1), (byte) '\n');
        if (lf < 0) {
            if (end - start > MAX_INLINE_LINE) {
                throw new Malformed("too big inline request (over " + MAX_INLINE_LINE + " bytes)");
            }
            return null;
        }
        List<byte[]> words = new ArrayList<>(4);
        int word = -1;
        for (int i = start; i <= lf; i++) {
            byte b = i == lf ? (byte) ' ' : in.getByte(i);
            boolean space = b == ' ' || b == '\t' || b == '\r' || b == '\f' || b == 0x0b;
            if (space && word >= 0) {
                byte[] w = new byte[i - word];
                in.getBytes(word, w);
                words.add(w);
                word = -1;
            } else if (!space && word < 0) {
                word = i;
            }
        }
        in.readerIndex(lf + 1);
        return RespCommand.of(words);
    }

    private static String describe(byte type) {
        switch (type) {
            case '+':
                return "a simple string ('+')";
            case '-':
                return "an error ('-')";
            case ':':
                return "an integer (':')";
            case '*':
                return "an array ('*')";
            default:
                return type >= 0x20 && type < 0x7f ? "'" + (char) type + "'" : String.format("byte 0x%02x", type & 0xff);
        }
    }

    private static String printable(ByteBuf in, int from, int to) {
        StringBuilder sb = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            sb.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
        }
        return sb.toString();
    }

    /** Malformed input: the message is the protocol error's reason. */
    private static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }
}
