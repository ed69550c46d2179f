package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;

/**
 * How messages are delimited on a TCP byte stream.
 *
 * <ul>
 *   <li>{@link #newline()}: each message is followed by {@code '\n'} (a preceding {@code '\r'} is
 *       also stripped on receive, so {@code "\r\n"} works too). Payloads must not contain
 *       {@code '\n'} nor end with {@code '\r'} (it would be stripped); the sink rejects such a
 *       message with an {@link IllegalArgumentException}. A last line that the peer ends without
 *       {@code '\n'} before closing the connection (as {@code socat}, {@code nc} and many syslog
 *       senders do) is still a message, with its bytes as they are; {@link #newlineDiscardingLastLine()}
 *       instead discards it and reports the connection as closed mid-frame.</li>
 *   <li>{@link #lengthPrefixed()}: each message is preceded by its payload length as a 4-byte
 *       big-endian <em>unsigned</em> integer (the prefix does not count itself), then the payload
 *       bytes. A zero length is a valid empty message.</li>
 * </ul>
 * Both decoders fail fast: a frame (or a length prefix) larger than the configured maximum closes
 * that connection immediately, without buffering the oversized frame.
 */
public final class Framing {

    enum Kind { NEWLINE, LENGTH_PREFIXED }

    private static final Framing NEWLINE = new Framing(Kind.NEWLINE, true);
    private static final Framing NEWLINE_DISCARDING = new Framing(Kind.NEWLINE, false);
    private static final Framing LENGTH_PREFIXED = new Framing(Kind.LENGTH_PREFIXED, false);

    private final Kind kind;
    private final boolean lastLineAtEof;

    private Framing(Kind kind, boolean lastLineAtEof) {
        this.kind = kind;
        this.lastLineAtEof = lastLineAtEof;
    }

    /** @return newline-delimited framing; an unterminated last line at end of stream is a message */
    public static Framing newline() {
        return NEWLINE;
    }

    /**
     * @return newline-delimited framing that discards an unterminated last line at end of stream and
     *         reports it as a connection error (Sluice's behaviour before it accepted such lines)
     */
    public static Framing newlineDiscardingLastLine() {
        return NEWLINE_DISCARDING;
    }

    /** @return 4-byte big-endian unsigned length-prefixed framing */
    public static Framing lengthPrefixed() {
        return LENGTH_PREFIXED;
    }

    Kind kind() {
        return kind;
    }

    ChannelHandler decoder(int maxFrameLength) {
        return kind == Kind.NEWLINE
                ? new FrameDecoders.Lines(maxFrameLength, lastLineAtEof)
                : new FrameDecoders.LengthField(maxFrameLength);
    }

    /** Validates a payload for this framing; returns an error message or null. */
    String check(byte[] payload, int maxFrameLength) {
        if (payload.length > maxFrameLength) {
            return "message of " + payload.length + " bytes exceeds the maximum frame length " + maxFrameLength;
        }
        if (kind == Kind.NEWLINE) {
            for (byte b : payload) {
                if (b == '\n') {
                    return "newline framing: payload contains a '\\n' byte";
                }
            }
            if (payload.length > 0 && payload[payload.length - 1] == '\r') {
                return "newline framing: payload ends with '\\r', which the receiver would strip";
            }
        }
        return null;
    }

    ByteBuf encode(ByteBufAllocator alloc, byte[] payload) {
        if (kind == Kind.NEWLINE) {
            ByteBuf buf = alloc.buffer(payload.length + 1);
            return buf.writeBytes(payload).writeByte('\n');
        }
        ByteBuf buf = alloc.buffer(payload.length + 4);
        return buf.writeInt(payload.length).writeBytes(payload);
    }

    @Override
    public String toString() {
        if (kind == Kind.NEWLINE) {
            return lastLineAtEof ? "newline" : "newline (unterminated last line discarded)";
        }
        return "length-prefixed";
    }
}
