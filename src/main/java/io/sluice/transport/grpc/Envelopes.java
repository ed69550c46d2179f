package io.sluice.transport.grpc;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import io.sluice.Message;
import io.sluice.transport.auth.GrpcAuthInterceptor;
import io.sluice.transport.auth.ServerSecurity;
import io.sluice.transport.grpc.proto.Envelope;

/** Conversion between {@link Message} and the protobuf {@link Envelope}. */
final class Envelopes {

    private Envelopes() {
    }

    static Envelope toEnvelope(Message m) {
        // the message owns an immutable payload, so wrapping without a copy is safe
        ByteString payload = UnsafeByteOperations.unsafeWrap(m.payload());
        Envelope.Builder b = Envelope.newBuilder()
                .setPayload(payload)
                .setTimestamp(m.timestamp())
                .setSequence(m.sequence());
        // absent fields are what protobuf reads as empty: no per-message map copy or key lookup for them
        if (!m.headers().isEmpty()) {
            b.putAllHeaders(m.headers());
        }
        if (m.key().isPresent()) {
            b.setKey(m.key().get());
        }
        return b.build();
    }

    /**
     * @param payload a parsed envelope's payload
     * @return its bytes: the array behind it when it spans one whole array (a parsed envelope's payload
     *     is a copy of the wire bytes that nothing else holds, see grpc-java's {@code ProtoLiteUtils}),
     *     else a copy
     */
    static byte[] bytes(ByteString payload) {
        Whole whole = new Whole(payload.size());
        try {
            UnsafeByteOperations.unsafeWriteTo(payload, whole);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return whole.array != null ? whole.array : payload.toByteArray();
    }

    /** Captures the array of a {@link ByteString} that is exactly one whole array. */
    private static final class Whole extends ByteOutput {
        private final int size;
        private int calls;
        byte[] array;

        Whole(int size) {
            this.size = size;
        }

        @Override
        public void write(byte value) {
            calls++;
            array = null;
        }

        @Override
        public void write(byte[] value, int offset, int length) {
            calls++;
            array = null;
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
            array = ++calls == 1 && offset == 0 && length == size && value.length == size ? value : null;
        }

        @Override
        public void write(ByteBuffer value) {
            calls++;
            array = null;
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            calls++;
            array = null;
        }
    }

    /**
     * @param e a received envelope
     * @return its message; on an authenticated call (run in the context {@link GrpcAuthInterceptor} made),
     *     the header {@code client} is the caller's identity, whatever the envelope said
     */
    static Message toMessage(Envelope e) {
        String client = GrpcAuthInterceptor.IDENTITY.get();
        Message.Builder b = Message.builder()
                .payload(bytes(e.getPayload()))
                .headers(e.getHeadersMap());
        if (client != null) {
            b.header(ServerSecurity.CLIENT_HEADER, client);
        }
        return b
                .timestamp(e.getTimestamp())
                .key(e.getKey().isEmpty() ? null : e.getKey())
                .sequence(e.getSequence())
                .build();
    }
}
