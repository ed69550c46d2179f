package io.sluice.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The byte layout drawn in {@link MessageMetadata}'s javadoc, byte for byte: RSocket metadata and
 * the ZeroMQ meta frame are this encoding, so a change here breaks both wires.
 */
class MessageMetadataTest {

    private static final String EXAMPLE = "01" + "0000000000000007" + "0000000000000000" + "00000001" + "6b"
            + "00000001" + "00000001" + "61" + "00000001" + "62";

    @Test
    void encodesTheDocumentedExample() {
        Message m = Message.builder().payload(new byte[] {9}).sequence(7).timestamp(0).key("k").header("a", "b").build();
        byte[] meta = MessageMetadata.encode(m);
        assertThat(HexFormat.of().formatHex(meta)).isEqualTo(EXAMPLE);
        assertThat(meta).hasSize(36);
    }

    @Test
    void decodesWhatItEncodes() {
        Message m = MessageMetadata.decode(HexFormat.of().parseHex(EXAMPLE), new byte[] {1, 2});
        assertThat(m.sequence()).isEqualTo(7);
        assertThat(m.timestamp()).isZero();
        assertThat(m.key()).contains("k");
        assertThat(m.headers()).containsExactly(java.util.Map.entry("a", "b"));
        assertThat(m.payload()).containsExactly(1, 2);
    }

    @Test
    void noKeyIsMinusOne() {
        Message m = Message.builder().payload(new byte[0]).sequence(1).timestamp(2).build();
        byte[] meta = MessageMetadata.encode(m);
        assertThat(HexFormat.of().formatHex(meta, 17, 25)).isEqualTo("ffffffff" + "00000000");
        assertThat(MessageMetadata.decode(meta, new byte[0]).key()).isEmpty();
    }

    @Test
    void refusesWhatIsNotThisLayout() {
        byte[] good = HexFormat.of().parseHex(EXAMPLE);
        byte[] version = good.clone();
        version[0] = 9;
        assertThatThrownBy(() -> MessageMetadata.decode(version, new byte[0])).hasMessageContaining("version 9");
        byte[] truncated = java.util.Arrays.copyOf(good, 20);
        assertThatThrownBy(() -> MessageMetadata.decode(truncated, new byte[0])).hasMessageContaining("truncated");
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> MessageMetadata.decode(trailing, new byte[0])).hasMessageContaining("trailing");
    }
}
