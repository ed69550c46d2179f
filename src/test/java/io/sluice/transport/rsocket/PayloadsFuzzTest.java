package io.sluice.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.rsocket.Payload;
import io.rsocket.util.ByteBufPayload;
import io.sluice.Message;
import io.netty.buffer.Unpooled;

/**
 * Fuzzes what the RSocket source makes of a received payload ({@link Payloads#toMessage(Payload, int)}):
 * Sluice's {@code MessageMetadata}, composite metadata with a routing entry, a bare routing tag, or
 * none. Whatever the metadata and data, the result is a message or the documented
 * {@link IllegalArgumentException}; the payload is released either way (checked with its reference
 * count), an accepted message keeps the data unchanged, and a size over the limit is refused.
 * Corpus: {@code PayloadsFuzzTestInputs/toMessage/}.
 */
class PayloadsFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void toMessage(FuzzedDataProvider data) {
        int max = data.consumeInt(0, 4096);
        boolean withMeta = data.consumeBoolean();
        byte[] bytes = data.consumeBytes(data.consumeInt(0, 64));
        byte[] meta = data.consumeRemainingAsBytes();
        Payload p = withMeta ? ByteBufPayload.create(Unpooled.wrappedBuffer(bytes), Unpooled.wrappedBuffer(meta))
                : ByteBufPayload.create(Unpooled.wrappedBuffer(bytes));
        int size = bytes.length + (withMeta ? meta.length : 0);
        Message m = null;
        try {
            m = Payloads.toMessage(p, max);
        } catch (IllegalArgumentException documented) {
            // refused: too large, or metadata in none of the accepted forms
        }
        assertThat(p.refCnt()).as("payload released").isZero();
        if (m != null) {
            assertThat(size).isLessThanOrEqualTo(max);
            assertThat(m.payload()).isEqualTo(bytes);
        } else if (size <= max && (!withMeta || meta.length == 0)) {
            throw new AssertionError("a payload without metadata within the limit was refused");
        }
    }
}
