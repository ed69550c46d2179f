package io.sluice.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.TaggingMetadataCodec;
import io.rsocket.metadata.WellKnownMimeType;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.internal.MessageMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Payloads as stock RSocket clients send them: no metadata, composite metadata with a routing
 * entry (what Spring's {@code RSocketRequester} and rsocket-js/py send with a route), bare routing
 * metadata; next to Sluice's own metadata.
 */
class RSocketStockPayloadsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static byte[] routing(String... tags) {
        var buf = TaggingMetadataCodec.createRoutingMetadata(ByteBufAllocator.DEFAULT, List.of(tags)).getContent();
        byte[] b = new byte[buf.readableBytes()];
        buf.readBytes(b);
        buf.release();
        return b;
    }

    private static byte[] composite(String route) {
        CompositeByteBuf c = ByteBufAllocator.DEFAULT.compositeBuffer();
        CompositeMetadataCodec.encodeAndAddMetadata(c, ByteBufAllocator.DEFAULT, "text/x.custom",
                Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        CompositeMetadataCodec.encodeAndAddMetadata(c, ByteBufAllocator.DEFAULT, WellKnownMimeType.MESSAGE_RSOCKET_ROUTING,
                Unpooled.wrappedBuffer(routing(route, "second-tag")));
        byte[] b = new byte[c.readableBytes()];
        c.readBytes(b);
        c.release();
        return b;
    }

    @Test
    void everyAcceptedMetadataFormat() {
        byte[] data = "data".getBytes(StandardCharsets.UTF_8);
        assertThat(Payloads.toMessage(new byte[0], data).headers()).isEmpty();
        assertThat(Payloads.toMessage(new byte[0], data).payload()).isEqualTo(data);
        Message sluice = RSocketTransportTest.message(5, 18);
        RSocketTransportTest.assertIntact(Payloads.toMessage(MessageMetadata.encode(sluice), sluice.payload()), 18);
        assertThat(Payloads.toMessage(routing("orders.new"), data).headers()).containsExactly(
                java.util.Map.entry("route", "orders.new"));
        // a one-character route starts with byte 1, like Sluice's version: still routing
        assertThat(Payloads.toMessage(routing("a"), data).header("route")).contains("a");
        assertThat(Payloads.toMessage(composite("ingest"), data).header("route")).contains("ingest");
        assertThatThrownBy(() -> Payloads.toMessage(new byte[] {1, 2, 3}, data))
                .hasMessageContaining("neither Sluice's").hasMessageContaining("3 bytes");
        assertThatThrownBy(() -> Payloads.toMessage(new byte[] {0x7F, 0, 0, 9, 1}, data))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** rsocket-java as a plain client (no Sluice classes): fire-and-forget and a channel, without and with routing metadata. */
    @Test
    void aStockClientWithoutOrWithRoutingMetadataIsAccepted() {
        RSocketSource source = Transports.rsocket().source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            RSocket plain = RSocketConnector.create()
                    .connect(TcpClientTransport.create("127.0.0.1", port)).block(WAIT);
            RSocket routed = RSocketConnector.create()
                    .metadataMimeType(WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString())
                    .connect(TcpClientTransport.create("127.0.0.1", port)).block(WAIT);
            try {
                plain.fireAndForget(DefaultPayload.create(RSocketTransportTest.payload(1, 4266))).block(WAIT);
                List<Payload> channel = List.of(DefaultPayload.create(RSocketTransportTest.payload(2, 79435)),
                        DefaultPayload.create(RSocketTransportTest.payload(3, 18)));
                assertThat(plain.requestChannel(Flux.fromIterable(channel)).map(Payload::getDataUtf8).blockLast(WAIT))
                        .isEqualTo("2");
                routed.fireAndForget(DefaultPayload.create(RSocketTransportTest.payload(4, 18), composite("ingest")))
                        .block(WAIT);
                // request-response is the barrier: answered after every earlier frame was processed
                plain.requestResponse(DefaultPayload.create("")).block(WAIT);
                routed.requestResponse(DefaultPayload.create("")).block(WAIT);
            } finally {
                plain.dispose();
                routed.dispose();
            }
            assertThat(got).hasSize(4);
            assertThat(got).extracting(Message::size).containsExactlyInAnyOrder(4266, 79435, 18, 18);
            for (Message m : got) {
                int idx = m.size() == 4266 ? 1 : m.size() == 79435 ? 2 : m.header("route").isPresent() ? 4 : 3;
                assertThat(m.payload()).isEqualTo(RSocketTransportTest.payload(idx, m.size()));
                assertThat(m.headers()).isEqualTo(idx == 4 ? java.util.Map.of("route", "ingest") : java.util.Map.of());
            }
            assertThat(source.metrics().errors()).isZero();
        } finally {
            running.dispose();
        }
    }
}
