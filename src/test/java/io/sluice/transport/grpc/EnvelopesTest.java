package io.sluice.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.sluice.Message;
import io.sluice.transport.grpc.proto.Envelope;
import org.junit.jupiter.api.Test;

/**
 * The envelope conversion: a parsed payload's array is kept as the message's (it is a copy of the
 * wire bytes nothing else holds), any other shape of payload is copied; absent headers and key stay
 * absent on the wire and come back absent.
 */
class EnvelopesTest {

    @Test
    void aParsedPayloadsArrayIsKeptAnyOtherPayloadIsCopied() throws Exception {
        byte[] original = "payload bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Envelope parsed = Envelope.parseFrom(Envelopes.toEnvelope(Message.of(original)).toByteArray());
        byte[] kept = Envelopes.bytes(parsed.getPayload());
        assertThat(kept).isEqualTo(original).isNotSameAs(original);
        assertThat(Envelopes.bytes(parsed.getPayload())).as("the same array: no copy").isSameAs(kept);

        ByteString part = ByteString.copyFrom(original).substring(2, 6);
        assertThat(Envelopes.bytes(part)).isEqualTo(new byte[] {'y', 'l', 'o', 'a'});
        ByteString rope = ByteString.copyFrom(original, 0, 4).concat(ByteString.copyFrom(original, 4, original.length - 4));
        assertThat(Envelopes.bytes(rope)).isEqualTo(original);
        assertThat(Envelopes.bytes(ByteString.EMPTY)).isEmpty();
    }

    @Test
    void absentHeadersAndKeyStayAbsent() throws Exception {
        Message plain = Message.builder().payload(new byte[] {1}).timestamp(5).sequence(9).build();
        Envelope e = Envelopes.toEnvelope(plain);
        assertThat(e.getHeadersCount()).isZero();
        assertThat(e.getKey()).isEmpty();
        Message back = Envelopes.toMessage(Envelope.parseFrom(e.toByteArray()));
        assertThat(back.headers()).isEmpty();
        assertThat(back.key()).isEmpty();
        assertThat(back.timestamp()).isEqualTo(5);
        assertThat(back.sequence()).isEqualTo(9);

        Message full = Message.builder().payload(new byte[] {2}).header("h", "v").key("k").build();
        Message again = Envelopes.toMessage(Envelope.parseFrom(Envelopes.toEnvelope(full).toByteArray()));
        assertThat(again.headers()).containsEntry("h", "v");
        assertThat(again.key()).contains("k");
    }
}
