package io.sluice.persist;

import io.sluice.Message;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One record: a {@link Message} with its log offset and append time.
 *
 * <pre>
 *   8  offset (log-wide, strictly increasing)
 *   8  append time (epoch ms, for the oldest-unacknowledged-age metric)
 *   8  message timestamp
 *   8  message sequence
 *   4  key length in bytes, -1 = no key;  key UTF-8
 *   2  header count;  per header: 2 name length, name UTF-8, 4 value length, value UTF-8
 *   4  payload length;  payload
 * </pre>
 * The record is written as one or more fragments ({@link Format}), each with its own CRC32C.
 */
final class RecordCodec {

    static final int FIXED = 8 + 8 + 8 + 8 + 4 + 2 + 4;
    private static final byte[][] NO_HEADERS = new byte[0][];

    private RecordCodec() {
    }

    /** A decoded record. */
    record Entry(long offset, long appendTime, Message message, int size) {
    }

    static ByteBuffer encode(long offset, long appendTime, Message m) {
        return encode(offset, appendTime, m, null);
    }

    /**
     * @param reuse a buffer to encode into when it is large enough (its content is replaced), or null
     * @return the encoded record: {@code reuse} or a new heap buffer, flipped
     */
    static ByteBuffer encode(long offset, long appendTime, Message m, ByteBuffer reuse) {
        byte[] key = m.key().map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        Map<String, String> headers = m.headers();
        if (headers.size() > 0xFFFF) {
            throw new IllegalArgumentException("more than 65535 headers");
        }
        byte[][] hs = new byte[headers.size() * 2][];
        long size = FIXED + (key == null ? 0 : key.length) + (long) m.size();
        int i = 0;
        for (Map.Entry<String, String> e : headers.entrySet()) {
            hs[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            hs[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
            if (hs[i].length > 0xFFFF) {
                throw new IllegalArgumentException("header name longer than 65535 bytes");
            }
            size += 2 + hs[i].length + 4 + hs[i + 1].length;
            i += 2;
        }
        if (size > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("record of " + size + " bytes is too large");
        }
        ByteBuffer b = reuse != null && reuse.capacity() >= size ? reuse.clear().limit((int) size)
                : ByteBuffer.allocate((int) size);
        return write(b, offset, appendTime, m, key, hs).flip();
    }

    /**
     * Writes the record of a message without key and headers (its size is {@code FIXED + m.size()})
     * at {@code b}'s position, as {@link #encode} would.
     */
    static void writePlain(ByteBuffer b, long offset, long appendTime, Message m) {
        write(b, offset, appendTime, m, null, NO_HEADERS);
    }

    /** The record layout (see the class doc): {@code hs} holds each header's name and value, UTF-8. */
    private static ByteBuffer write(ByteBuffer b, long offset, long appendTime, Message m, byte[] key, byte[][] hs) {
        b.putLong(offset).putLong(appendTime).putLong(m.timestamp()).putLong(m.sequence());
        if (key == null) {
            b.putInt(-1);
        } else {
            b.putInt(key.length).put(key);
        }
        b.putShort((short) (hs.length / 2));
        for (int j = 0; j < hs.length; j += 2) {
            b.putShort((short) hs[j].length).put(hs[j]).putInt(hs[j + 1].length).put(hs[j + 1]);
        }
        return b.putInt(m.size()).put(m.payload());
    }

    /** @return the offset stored in an encoded record (first 8 bytes), or -1 if too short */
    static long offsetOf(ByteBuffer record) {
        return record.remaining() < 8 ? -1 : record.getLong(record.position());
    }

    /**
     * @return the record
     * @throws IllegalArgumentException when the bytes are not a well-formed record (the fragments'
     *     CRCs matched, so this means a bug or a foreign writer, reported as corruption)
     */
    static Entry decode(ByteBuffer b) {
        int size = b.remaining();
        try {
            long offset = b.getLong();
            long appendTime = b.getLong();
            Message.Builder mb = Message.builder().timestamp(b.getLong()).sequence(b.getLong());
            int keyLen = b.getInt();
            if (keyLen >= 0) {
                mb.key(utf8(b, keyLen));
            } else if (keyLen != -1) {
                throw new IllegalArgumentException("negative key length " + keyLen);
            }
            int n = b.getShort() & 0xFFFF;
            for (int i = 0; i < n; i++) {
                String name = utf8(b, b.getShort() & 0xFFFF);
                mb.header(name, utf8(b, b.getInt()));
            }
            int len = b.getInt();
            if (len < 0 || len != b.remaining()) {
                throw new IllegalArgumentException("payload length " + len + " but " + b.remaining() + " bytes left");
            }
            byte[] payload = new byte[len];
            b.get(payload);
            return new Entry(offset, appendTime, mb.payload(payload).build(), size);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record truncated", e);
        }
    }

    private static String utf8(ByteBuffer b, int len) {
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("length " + len + " exceeds the record");
        }
        String s = new String(b.array(), b.arrayOffset() + b.position(), len, StandardCharsets.UTF_8);
        b.position(b.position() + len);
        return s;
    }
}
