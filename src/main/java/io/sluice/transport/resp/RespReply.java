package io.sluice.transport.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One RESP reply of the {@code resp} source or the {@code priority-queue} sink, encoded once into
 * its wire bytes when it is made. The endpoints append replies to one buffer per read batch
 * ({@link #writeTo}) instead of handing Netty's {@code RedisEncoder} a message object per reply,
 * which allocated one buffer (and, for bulk strings, three) per reply; the constant replies
 * ({@link #OK}, {@link #PONG}, {@link #NIL}, {@link #EMPTY_ARRAY}) are encoded once for the process.
 * {@link #writeBulk} writes the hot {@code NEXT} reply straight from the item's text.
 *
 * <p>Simple strings and errors cannot hold CR or LF on the wire: text put into them (an error message
 * quoting a client's command name) has CR and LF replaced by spaces, so a reply never splits in two.
 */
final class RespReply {

    private static final byte[] CRLF = {'\r', '\n'};

    /** {@code +OK}. */
    static final RespReply OK = constant("+OK\r\n");
    /** {@code +PONG}. */
    static final RespReply PONG = constant("+PONG\r\n");
    /** The null bulk string, {@code $-1} (Redis's nil). */
    static final RespReply NIL = constant("$-1\r\n");
    /** The empty array, {@code *0}. */
    static final RespReply EMPTY_ARRAY = constant("*0\r\n");

    private final byte[] encoded;
    /** A constant's bytes in a direct buffer shared by every connection (never released), else null. */
    private final ByteBuf shared;

    private RespReply(byte[] encoded) {
        this(encoded, null);
    }

    private RespReply(byte[] encoded, ByteBuf shared) {
        this.encoded = encoded;
        this.shared = shared;
    }

    private static RespReply constant(String wire) {
        byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
        return new RespReply(bytes, Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)));
    }

    /**
     * @return for a constant reply ({@link #OK}, {@link #PONG}, {@link #NIL}, {@link #EMPTY_ARRAY}), a
     *     view of its process-wide direct buffer to write as is (a batch of just this reply then
     *     needs no buffer of its own: no allocation, no copy); null for any other reply
     */
    ByteBuf sharedView() {
        return shared == null ? null : shared.duplicate();
    }

    /** @return whether {@link #sharedView()} has a buffer (a constant reply) */
    boolean isShared() {
        return shared != null;
    }

    /** @return a simple string reply {@code +text} */
    static RespReply simple(String text) {
        return new RespReply(("+" + oneLine(text) + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** @return {@code -ERR message} */
    static RespReply error(String message) {
        return new RespReply(("-ERR " + oneLine(message) + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** @return the error for a wrong number of arguments, in Redis's words */
    static RespReply wrongArity(String command) {
        return error("wrong number of arguments for '" + command.toLowerCase(Locale.ROOT) + "' command");
    }

    /** @return an integer reply {@code :value} */
    static RespReply integer(long value) {
        return new RespReply((":" + value + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** @return a bulk string reply holding exactly {@code bytes} */
    static RespReply bulk(byte[] bytes) {
        byte[] header = ("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + bytes.length + 2];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(bytes, 0, all, header.length, bytes.length);
        all[all.length - 2] = '\r';
        all[all.length - 1] = '\n';
        return new RespReply(all);
    }

    /** @return a bulk string reply of {@code text} as UTF-8, or {@link #NIL} for null */
    static RespReply bulk(String text) {
        return text == null ? NIL : bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends a bulk string reply of {@code text} as UTF-8 ({@link #NIL} for null) without an
     * intermediate array.
     *
     * @param out the batch buffer
     * @param text the text, or null
     */
    static void writeBulk(ByteBuf out, String text) {
        if (text == null) {
            NIL.writeTo(out);
            return;
        }
        int length = ByteBufUtil.utf8Bytes(text);
        out.writeByte('$');
        writeDecimal(out, length);
        out.writeBytes(CRLF);
        ByteBufUtil.reserveAndWriteUtf8(out, text, length);
        out.writeBytes(CRLF);
    }

    /** Writes a non-negative int in decimal ASCII. */
    private static void writeDecimal(ByteBuf out, int value) {
        if (value < 10) {
            out.writeByte('0' + value);
            return;
        }
        out.writeCharSequence(Integer.toString(value), StandardCharsets.US_ASCII);
    }

    /** @param out the buffer the reply is appended to */
    void writeTo(ByteBuf out) {
        out.writeBytes(encoded);
    }

    /** @return the reply in a buffer of its own (for a write outside a batch) */
    ByteBuf toByteBuf() {
        return Unpooled.wrappedBuffer(encoded);
    }

    /** @return the encoded length in bytes */
    int length() {
        return encoded.length;
    }

    @Override
    public String toString() {
        return new String(encoded, StandardCharsets.UTF_8).replace("\r\n", "\\r\\n");
    }

    private static String oneLine(String text) {
        return text.indexOf('\r') < 0 && text.indexOf('\n') < 0 ? text : text.replace('\r', ' ').replace('\n', ' ');
    }
}
