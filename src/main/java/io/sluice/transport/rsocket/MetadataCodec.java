package io.sluice.transport.rsocket;

import io.sluice.Message;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * RSocket payload metadata of one {@link Message}: version byte 1, int64 sequence, int64 timestamp
 * (epoch ms), int32 key length (-1 = no key) + UTF-8 key, int32 header count, then per header
 * int32 length + UTF-8 name, int32 length + UTF-8 value (big-endian). The payload data is the
 * message payload, unchanged. (Same layout as the ZeroMQ meta frame.)
 */
final class MetadataCodec {

    static final byte VERSION = 1;

    private MetadataCodec() {
    }

    static byte[] meta(Message m) {
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

    /** @throws IllegalArgumentException when the metadata is not in this format */
    static Message decode(byte[] meta, byte[] payload) {
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
