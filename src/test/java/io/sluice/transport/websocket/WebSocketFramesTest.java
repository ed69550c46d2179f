package io.sluice.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The sink's {@link MaskingEncoder} and the source's {@link BinaryFrameReader} against Netty's own
 * RFC 6455 codec: what the encoder writes, Netty's server decoder reads back; what Netty's client
 * encoder writes, the reader plus Netty's decoder read exactly as Netty's decoder alone, however the
 * bytes are split across reads, and every frame the reader does not take (and every violation) is
 * still Netty's to judge.
 */
class WebSocketFramesTest {

    private static final int[] SIZES = {0, 1, 3, 7, 8, 9, 125, 126, 127, 1000, 65535, 65536, 79435};

    private static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static WebSocketDecoderConfig serverConfig(int max) {
        return WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(max).allowExtensions(true)
                .closeOnProtocolViolation(false).build();
    }

    /** Netty's decoder alone, or the reader in front of it (installed as the source installs it). */
    private static EmbeddedChannel server(boolean reader, int max) {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocket13FrameDecoder(serverConfig(max)));
        if (reader) {
            BinaryFrameReader.install(ch.pipeline(), max);
        }
        return ch;
    }

    private static List<WebSocketFrame> drain(EmbeddedChannel ch) {
        List<WebSocketFrame> out = new ArrayList<>();
        for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
            out.add((WebSocketFrame) o);
        }
        return out;
    }

    private static String describe(WebSocketFrame f) {
        return f.getClass().getSimpleName().replace("Owned", "BinaryWebSocketFrame") + " fin=" + f.isFinalFragment()
                + " " + ByteBufUtil.hexDump(f.content());
    }

    @Test
    void encodedFramesAreMaskedAndReadBackByNettysDecoder() {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        MaskingEncoder.install(client.pipeline());
        EmbeddedChannel server = server(false, 1 << 20);
        Set<Integer> keys = new HashSet<>();
        for (int size : SIZES) {
            byte[] p = payload(size, size);
            client.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(p)));
            ByteBuf wire = client.readOutbound();
            int len7 = wire.getByte(1) & 0x7F;
            assertThat(wire.getByte(0) & 0xFF).as("FIN, binary").isEqualTo(0x82);
            assertThat(wire.getByte(1) & 0x80).as("masked").isEqualTo(0x80);
            assertThat(len7).as("minimal length encoding of " + size)
                    .isEqualTo(size <= 125 ? size : size <= 0xFFFF ? 126 : 127);
            int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
            keys.add(wire.getInt(header));
            assertThat(wire.readableBytes()).isEqualTo(header + 4 + size);
            server.writeInbound(wire);
            BinaryWebSocketFrame got = server.readInbound();
            assertThat(ByteBufUtil.getBytes(got.content())).isEqualTo(p);
            got.release();
        }
        assertThat(keys).as("a fresh key per frame").hasSizeGreaterThan(SIZES.length / 2);
        // other frames are Netty's encoder's
        client.writeOutbound(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2})));
        client.writeOutbound(new TextWebSocketFrame("héllo"));
        client.writeOutbound(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {7})));
        client.writeOutbound(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {8})));
        client.writeOutbound(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
        for (Object o = client.readOutbound(); o != null; o = client.readOutbound()) {
            server.writeInbound(o);
        }
        List<String> others = drain(server).stream().map(f -> {
            String d = describe(f);
            f.release();
            return d;
        }).toList();
        assertThat(others).containsExactly(
                "PingWebSocketFrame fin=true 0102",
                "TextWebSocketFrame fin=true " + ByteBufUtil.hexDump("héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "BinaryWebSocketFrame fin=false 07",
                "ContinuationWebSocketFrame fin=true 08",
                "CloseWebSocketFrame fin=true 03e8" + ByteBufUtil.hexDump("Bye".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertThat(client.finishAndReleaseAll()).isFalse();
    }

    /** A client's stream of frames as Netty's client encoder writes it. */
    private static ByteBuf clientStream(List<WebSocketFrame> frames) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        ByteBuf all = Unpooled.buffer();
        for (WebSocketFrame f : frames) {
            client.writeOutbound(f);
            for (ByteBuf b = client.readOutbound(); b != null; b = client.readOutbound()) {
                all.writeBytes(b);
                b.release();
            }
        }
        return all;
    }

    private static List<WebSocketFrame> mixed() {
        List<WebSocketFrame> frames = new ArrayList<>();
        for (int size : SIZES) {
            frames.add(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload(size, 31 * size))));
            if (size == 126) {
                frames.add(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {9, 9, 9})));
                frames.add(new PongWebSocketFrame(Unpooled.EMPTY_BUFFER));
            }
        }
        // from here on everything is the decoder's: a text frame, a fragmented message, more binaries, close
        frames.add(new TextWebSocketFrame("text"));
        frames.add(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(payload(300, 1))));
        frames.add(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
        frames.add(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(payload(70000, 2))));
        frames.add(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload(5000, 3))));
        frames.add(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "bye"));
        return frames;
    }

    @Test
    void readerDecodesExactlyAsNettyWhateverTheReadSplits() {
        ByteBuf stream = clientStream(mixed());
        EmbeddedChannel plain = server(false, 1 << 20);
        plain.writeInbound(stream.retainedDuplicate());
        List<String> expected = drain(plain).stream().map(f -> {
            String d = describe(f);
            f.release();
            return d;
        }).toList();
        assertThat(expected).hasSize(mixed().size());
        Random split = new Random(7);
        for (int round = 0; round < 8; round++) {
            EmbeddedChannel ch = server(true, 1 << 20);
            List<ByteBuf> reads = new ArrayList<>();
            int i = 0;
            while (i < stream.writerIndex()) {
                // round 0: byte by byte through the small frames' headers and payloads, then 1 KB reads
                int n = Math.min(stream.writerIndex() - i, round == 0 ? (i < 600 ? 1 : 1000) : 1 + split.nextInt(round * 9000));
                ByteBuf read = ch.alloc().directBuffer(n).writeBytes(stream, i, n);
                reads.add(read);
                ch.writeInbound(read);
                i += n;
            }
            List<WebSocketFrame> got = drain(ch);
            assertThat(got).extracting(WebSocketFramesTest::describe).containsExactlyElementsOf(expected);
            // the reader took the plain binary frames before the text frame; the decoder the rest
            assertThat(got.subList(0, SIZES.length + 2)).filteredOn(f -> f instanceof BinaryWebSocketFrame)
                    .allMatch(f -> f instanceof BinaryFrameReader.Owned);
            assertThat(got.subList(SIZES.length + 2, got.size())).noneMatch(f -> f instanceof BinaryFrameReader.Owned);
            got.forEach(WebSocketFrame::release);
            assertThat(reads).allMatch(r -> r.refCnt() == 0);
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
        stream.release();
    }

    /**
     * Reading under backpressure (no auto-read): a read that ends inside a frame the reader is
     * collecting asks for the next read, as Netty's decoders do; one that completed a frame leaves
     * that to the pipeline's demand.
     */
    @Test
    void aReadEndingInsideAFrameAsksForTheNextWhenReadingIsNotAutomatic() {
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        EmbeddedChannel ch = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void read(io.netty.channel.ChannelHandlerContext ctx) {
                reads.incrementAndGet();
                ctx.read();
            }
        }, new WebSocket13FrameDecoder(serverConfig(1 << 20)));
        BinaryFrameReader.install(ch.pipeline(), 1 << 20);
        ch.config().setAutoRead(false);
        ByteBuf wire = clientStream(List.of(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload(5000, 5)))));
        int before = reads.get();
        ch.writeInbound(wire.readRetainedSlice(3000)); // writeInbound ends with channelReadComplete
        assertThat(reads.get()).as("half a frame read: the next read asked for").isEqualTo(before + 1);
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(wire.readRetainedSlice(wire.readableBytes()));
        assertThat(reads.get()).as("the frame is complete: reading is the pipeline's call").isEqualTo(before + 1);
        BinaryWebSocketFrame got = ch.readInbound();
        assertThat(ByteBufUtil.getBytes(got.content())).isEqualTo(payload(5000, 5));
        got.release();
        wire.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void violationsAreStillNettysToRaise() {
        // unmasked: 1002 from Netty's decoder, with or without the reader
        EmbeddedChannel unmaskedClient = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        unmaskedClient.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[10])));
        ByteBuf unmasked = unmaskedClient.readOutbound();
        for (boolean reader : new boolean[] {false, true}) {
            EmbeddedChannel ch = server(reader, 1000);
            assertThatThrownBy(() -> ch.writeInbound(unmasked.retainedDuplicate()))
                    .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class,
                            e -> assertThat(e.closeStatus()).isEqualTo(WebSocketCloseStatus.PROTOCOL_ERROR));
            ch.finishAndReleaseAll();
        }
        unmasked.release();
        // over the limit: 1009, also after frames the reader took
        ByteBuf oversized = clientStream(List.of(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1000])),
                new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[1001]))));
        for (boolean reader : new boolean[] {false, true}) {
            EmbeddedChannel ch = server(reader, 1000);
            assertThatThrownBy(() -> ch.writeInbound(oversized.retainedDuplicate()))
                    .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class,
                            e -> assertThat(e.closeStatus()).isEqualTo(WebSocketCloseStatus.MESSAGE_TOO_BIG));
            List<WebSocketFrame> before = drain(ch);
            assertThat(before).hasSize(1);
            assertThat(before.get(0).content().readableBytes()).isEqualTo(1000);
            before.forEach(WebSocketFrame::release);
            ch.finishAndReleaseAll();
        }
        oversized.release();
    }
}
