package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.internal.MessageMetadata;
import java.nio.ByteBuffer;

/** Conversion between {@link Message} and RSocket {@link Payload} (data = payload, metadata = {@link MessageMetadata}). */
final class Payloads {

    private Payloads() {
    }

    static Payload toPayload(Message m) {
        return DefaultPayload.create(ByteBuffer.wrap(m.payload()), ByteBuffer.wrap(MessageMetadata.encode(m)));
    }

    /**
     * Copies the payload out and releases it.
     *
     * @param maxMessageSize largest accepted data + metadata, in bytes
     * @throws IllegalArgumentException when the payload is larger, or its metadata is not Sluice's
     */
    static Message toMessage(Payload p, int maxMessageSize) {
        try {
            int size = p.data().readableBytes() + (p.hasMetadata() ? p.metadata().readableBytes() : 0);
            if (size > maxMessageSize) {
                throw new IllegalArgumentException("payload of " + size + " bytes (data + metadata) exceeds maxMessageSize "
                        + maxMessageSize);
            }
            return MessageMetadata.decode(bytes(p.getMetadata()), bytes(p.getData()));
        } finally {
            p.release();
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
