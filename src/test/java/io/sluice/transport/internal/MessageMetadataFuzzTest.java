package io.sluice.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.Message;

/**
 * Fuzzes {@link MessageMetadata}, the binary metadata ZeroMQ (meta frame) and RSocket (payload
 * metadata) carry beside each payload. Whatever the bytes, {@code decode} returns a message or throws
 * the documented {@link IllegalArgumentException}; it allocates no more than the bytes it was given
 * (lengths and the header count are checked against what remains before anything is allocated), and a
 * decoded message survives {@code encode} then {@code decode} unchanged. Corpus:
 * {@code MessageMetadataFuzzTestInputs/decode/}.
 */
class MessageMetadataFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(FuzzedDataProvider data) {
        byte[] payload = data.consumeBytes(data.consumeInt(0, 16));
        byte[] meta = data.consumeRemainingAsBytes();
        Message m;
        try {
            m = MessageMetadata.decode(meta, payload);
        } catch (IllegalArgumentException documented) {
            return;
        }
        assertThat(m.payload()).isEqualTo(payload);
        assertThat(m.headers().size()).isLessThanOrEqualTo(meta.length / 8);
        byte[] again = MessageMetadata.encode(m);
        assertThat(MessageMetadata.decode(again, payload)).as("decode(encode(m))").isEqualTo(m);
    }
}
