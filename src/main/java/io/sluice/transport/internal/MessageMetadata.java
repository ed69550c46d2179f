package io.sluice.transport.internal;

import io.sluice.Message;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Sluice's binary metadata of one {@link Message}: everything but the payload, which travels
 * beside it unchanged (RSocket: payload data, with this as the payload metadata; ZeroMQ: a frame
 * of its own, after this meta frame). All integers are big-endian; strings are UTF-8, preceded
 * by their length in bytes.
 *
 * <pre>
 * offset  size  field
 * +------+-----+---------------------------------------------------------------+
 * |    0 |   1 | version = 1                                                   |
 * |    1 |   8 | sequence            (int64)                                   |
 * |    9 |   8 | timestamp           (int64, epoch milliseconds)               |
 * |   17 |   4 | key length K        (int32; -1 = no key, then no key bytes)   |
 * |   21 |   K | key                 (UTF-8)                                   |
 * | 21+K |   4 | header count H      (int32)                                   |
 * +------+-----+---------------------------------------------------------------+
 * then H times:
 * +-----+---------------------------------------------+
 * |   4 | name length N  (int32)                      |
 * |   N | name           (UTF-8)                      |
 * |   4 | value length V (int32)                      |
 * |   V | value          (UTF-8)                      |
 * +-----+---------------------------------------------+
 *
 * Example: sequence 7, timestamp 0, key "k", one header "a" = "b" (36 bytes):
 *   01 | 00 00 00 00 00 00 00 07 | 00 00 00 00 00 00 00 00 | 00 00 00 01 6B | 00 00 00 01
 *      | 00 00 00 01 61 | 00 00 00 01 62
 * </pre>
 *
 * Decoding is strict: another version, a negative length other than the key's -1, a length past
 * the end, a header count that cannot fit, or trailing bytes make it fail with an
 * {@link IllegalArgumentException} naming the problem; nothing is read past the buffer.
 */
public final class MessageMetadata {

    /** The only version written and accepted. */
    public static final byte VERSION = 1;

    private MessageMetadata() {
    }

    /**
     * @param m a message
     * @return its metadata in the layout above
     */
    public static byte[] encode(Message m) {
        byte[] key = m.key().map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        int size = 1 + 8 + 8 + 4 + (key == null ? 0 : key.length) + 4;
        byte[][] hs = new byte[m.headers().size() * 2][];
        int i = 0;
        for (Map.Entry<String, String> e : m.headers().entrySet()) {
            hs[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            hs[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + hs[i].length + hs[i + 1].length;
            i += 2;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).putLong(m.sequence()).putLong(m.timestamp());
        if (key == null) {
            b.putInt(-1);
        } else {
            b.putInt(key.length).put(key);
        }
        b.putInt(m.headers().size());
        for (byte[] h : hs) {
            b.putInt(h.length).put(h);
        }
        return b.array();
    }

    /**
     * @param meta metadata in the layout above
     * @param payload the payload that travelled beside it
     * @return the message
     * @throws IllegalArgumentException when {@code meta} is not in this layout
     */
    public static Message decode(byte[] meta, byte[] payload) {
        try {
            ByteBuffer b = ByteBuffer.wrap(meta);
            byte v = b.get();
            if (v != VERSION) {
                throw new IllegalArgumentException("unknown wire format version " + v);
            }
            Message.Builder mb = Message.builder().sequence(b.getLong()).timestamp(b.getLong());
            int keyLen = b.getInt();
            if (keyLen >= 0) {
                mb.key(string(b, keyLen));
            } else if (keyLen != -1) {
                throw new IllegalArgumentException("bad key length " + keyLen);
            }
            int n = b.getInt();
            if (n < 0 || n > b.remaining() / 8) {
                throw new IllegalArgumentException("bad header count " + n);
            }
            for (int i = 0; i < n; i++) {
                String name = string(b, b.getInt());
                mb.header(name, string(b, b.getInt()));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " trailing bytes in meta frame");
            }
            return mb.payload(payload).build();
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated meta frame (" + meta.length + " bytes)", e);
        }
    }

    private static String string(ByteBuffer b, int len) {
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("bad string length " + len);
        }
        String s = new String(b.array(), b.position(), len, StandardCharsets.UTF_8);
        b.position(b.position() + len);
        return s;
    }
}
