package io.sluice.transport.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
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
        return Envelope.newBuilder()
                .setPayload(payload)
                .putAllHeaders(m.headers())
                .setTimestamp(m.timestamp())
                .setKey(m.key().orElse(""))
                .setSequence(m.sequence())
                .build();
    }

    /**
     * @param e a received envelope
     * @return its message; on an authenticated call (run in the context {@link GrpcAuthInterceptor} made),
     *     the header {@code client} is the caller's identity, whatever the envelope said
     */
    static Message toMessage(Envelope e) {
        String client = GrpcAuthInterceptor.IDENTITY.get();
        Message.Builder b = Message.builder()
                .payload(e.getPayload().toByteArray())
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
