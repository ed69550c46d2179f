package io.sluice.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.sluice.Message;
import io.sluice.transport.grpc.proto.Batch;
import io.sluice.transport.grpc.proto.Envelope;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the gRPC source's envelope path: the bytes of one gRPC message are parsed as a
 * {@code sluice.v1.Envelope} (what the method's protobuf marshaller does) and turned into a
 * {@link Message} by {@link Envelopes#toMessage}. Whatever the bytes, parsing either fails with the
 * documented {@link InvalidProtocolBufferException} (the call then fails with INVALID_ARGUMENT) or the
 * envelope becomes a message without any other exception; that message, sent back as an envelope
 * (the gRPC sink's {@link Envelopes#toEnvelope}) and received again, is unchanged. Corpus:
 * {@code EnvelopeFuzzTestInputs/parseAndConvert/}. {@link #parseBatchAndConvert} does the same for a
 * {@code sluice.v1.Batch} (the batch methods' request), envelope by envelope, and sends the messages back
 * as one batch; corpus {@code EnvelopeFuzzTestInputs/parseBatchAndConvert/}.
 */
class EnvelopeFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void parseAndConvert(byte[] bytes) throws InvalidProtocolBufferException {
        Envelope e;
        try {
            e = Envelope.parseFrom(bytes);
        } catch (InvalidProtocolBufferException documented) {
            return;
        }
        Message m = Envelopes.toMessage(e);
        assertThat(m.payload()).isEqualTo(e.getPayload().toByteArray());
        assertThat(m.headers()).isEqualTo(e.getHeadersMap());
        assertThat(m.sequence()).isEqualTo(e.getSequence());
        Message back = Envelopes.toMessage(Envelope.parseFrom(Envelopes.toEnvelope(m).toByteArray()));
        assertThat(back).as("message -> envelope -> message").isEqualTo(m);
    }

    @FuzzTest(maxDuration = "10s")
    void parseBatchAndConvert(byte[] bytes) throws InvalidProtocolBufferException {
        Batch b;
        try {
            b = Batch.parseFrom(bytes);
        } catch (InvalidProtocolBufferException documented) {
            return;
        }
        List<Message> messages = new ArrayList<>();
        Batch.Builder again = Batch.newBuilder();
        for (Envelope e : b.getEnvelopesList()) {
            Message m = Envelopes.toMessage(e);
            assertThat(m.payload()).isEqualTo(e.getPayload().toByteArray());
            assertThat(m.headers()).isEqualTo(e.getHeadersMap());
            assertThat(m.sequence()).isEqualTo(e.getSequence());
            messages.add(m);
            again.addEnvelopes(Envelopes.toEnvelope(m));
        }
        List<Message> back = Batch.parseFrom(again.build().toByteArray()).getEnvelopesList().stream()
                .map(Envelopes::toMessage).toList();
        assertThat(back).as("messages -> batch -> messages").isEqualTo(messages);
    }
}
