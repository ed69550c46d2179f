package io.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ReadOnlyBufferException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTest {

    @Test
    void builderSetsEveryField() {
        byte[] payload = {1, 2, 3};
        Message m = Message.builder().payload(payload).header("a", "1").header("b", "2")
                .timestamp(42L).key("dev-7").sequence(9L).build();
        assertThat(m.payload()).isSameAs(payload);
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
        assertThat(m.header("a")).contains("1");
        assertThat(m.header("zz")).isEmpty();
        assertThat(m.timestamp()).isEqualTo(42L);
        assertThat(m.key()).contains("dev-7");
        assertThat(m.sequence()).isEqualTo(9L);
    }

    @Test
    void isImmutable() {
        Message m = Message.builder().payload(new byte[] {5}).header("h", "v").build();
        assertThatThrownBy(() -> m.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.payloadBuffer().put((byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
        byte[] copy = m.payloadCopy();
        copy[0] = 9;
        assertThat(m.payload()[0]).isEqualTo((byte) 5);

        Message m2 = m.withHeader("h2", "v2").withSequence(3);
        assertThat(m.headers()).containsOnlyKeys("h");
        assertThat(m2.headers()).containsOnlyKeys("h", "h2");
        assertThat(m2.sequence()).isEqualTo(3);
        assertThat(m2.payload()).isSameAs(m.payload());
    }

    @Test
    void equalityIsByContent() {
        Message a = Message.builder().payload("x".getBytes()).timestamp(1).sequence(2).build();
        Message b = Message.builder().payload("x".getBytes()).timestamp(1).sequence(2).build();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(b.withSequence(3));
        assertThat(Message.ofUtf8("héllo").payloadUtf8()).isEqualTo("héllo");
        assertThat(Message.ofUtf8("abc").key()).isEmpty();
    }

    @Test
    void ofWithATimestampIsTheBuiltMessageWithThatTimestamp() {
        byte[] p = "x".getBytes();
        Message m = Message.of(p, 1234L);
        assertThat(m.timestamp()).isEqualTo(1234L);
        assertThat(m.payload()).isSameAs(p);
        assertThat(m).isEqualTo(Message.builder().payload(p).timestamp(1234L).build());
        assertThat(m.awaitsAck()).isFalse();
        assertThatThrownBy(() -> Message.of(null, 1L)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsNullPayloadAndHeaders() {
        assertThatThrownBy(() -> Message.of(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Message.builder().header("a", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void headersFromAMapAreCopiedImmutablyAndCombineWithSingleHeaders() {
        java.util.HashMap<String, String> mutable = new java.util.HashMap<>(Map.of("item", "a", "priority", "5"));
        Message m = Message.builder().headers(mutable).build();
        mutable.put("item", "changed");
        assertThat(m.headers()).isEqualTo(Map.of("item", "a", "priority", "5"));
        assertThatThrownBy(() -> m.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(Message.builder().headers(Map.of("a", "1")).header("b", "2").headers(Map.of("a", "3", "c", "4"))
                .build().headers()).isEqualTo(Map.of("a", "3", "b", "2", "c", "4"));
        assertThat(m.toBuilder().headers(Map.of("k", "v")).build().headers())
                .isEqualTo(Map.of("item", "a", "priority", "5", "k", "v"));
        java.util.HashMap<String, String> withNull = new java.util.HashMap<>();
        withNull.put("a", null);
        assertThatThrownBy(() -> Message.builder().headers(withNull)).isInstanceOf(NullPointerException.class);
    }
}
