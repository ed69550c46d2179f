package io.sluice.transport.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.sluice.Message;
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

    static Message toMessage(Envelope e) {
        return Message.builder()
                .payload(e.getPayload().toByteArray())
                .headers(e.getHeadersMap())
                .timestamp(e.getTimestamp())
                .key(e.getKey().isEmpty() ? null : e.getKey())
                .sequence(e.getSequence())
                .build();
    }
}
