package io.sluice.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

/**
 * The newline decoder hands over a whole read's lines as one batch ({@link FrameDecoders.Lines}):
 * the lines still come out one message each, in order, with the limits and markers of the
 * line-at-a-time decoder, whatever the read boundaries.
 */
@ExtendWith(NettyLeakCheck.class)
class NewlineBatchTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final EventDispatcher events = new EventDispatcher();
    private final BlockingQueue<ConnectionError> errors = new LinkedBlockingQueue<>();
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private Disposable running;

    NewlineBatchTest() {
        events.on(ConnectionError.class, errors::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    private int start(int maxFrame) {
        TcpSource source = Transports.tcp().framing(Framing.newline()).maxFrameLength(maxFrame).events(events).source();
        running = source.flux().subscribe(received::add);
        return source.boundAddress().block(T).getPort();
    }

    private String next() throws InterruptedException {
        Message m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("message received in time").isNotNull();
        return m.payloadUtf8();
    }

    /** Lines with '\n', "\r\n" and empty lines; line i has i % 64 bytes of filler (at most 64 + 10). */
    private static List<String> lines(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i % 97 == 0 ? "" : "line-" + i + "-" + "x".repeat(i % 64));
        }
        return out;
    }

    private static byte[] joined(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(lines.get(i)).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void linesBeforeAnOverlongLineInTheSameReadAreDeliveredInOrderThenTheConnectionFails() throws Exception {
        int port = start(100);
        List<String> lines = lines(3000);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(joined(lines));
        all.write(("y".repeat(101) + "\n").getBytes(StandardCharsets.US_ASCII));
        all.write("after the bad line\n".getBytes(StandardCharsets.US_ASCII));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(all.toByteArray());
            for (String want : lines) {
                assertThat(next()).isEqualTo(want);
            }
            ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.error()).isInstanceOf(TooLongFrameException.class);
            assertThat(e.reason()).contains("frame length (101)").contains("maximum of 100");
        }
        assertThat(received).isEmpty();
    }

    @Test
    void linesSplitAtEveryOffsetAcrossReadsComeOutWhole() throws Exception {
        int port = start(100);
        List<String> lines = lines(400);
        byte[] bytes = joined(lines);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            // chunks of 1..13 bytes: every line boundary, and "\r" | "\n", falls on a read boundary somewhere
            int at = 0;
            for (int k = 1; at < bytes.length; k = k % 13 + 1) {
                int n = Math.min(k, bytes.length - at);
                out.write(bytes, at, n);
                out.flush();
                at += n;
            }
            for (String want : lines) {
                assertThat(next()).isEqualTo(want);
            }
        }
        assertThat(errors).isEmpty();
    }

    /**
     * A read that completes no frame (the decoders keep only the unfinished frame's bytes) asks for the
     * next read while {@code autoRead} is off, as Netty's {@code ByteToMessageDecoder} does: else a
     * connection under backpressure would wait forever for bytes it never reads. A read that completes
     * a frame leaves the next read to demand. Both framings; the frame is split after 3 bytes.
     */
    @Test
    void aReadThatCompletesNoFrameAsksForTheNextReadWhileAutoReadIsOff() {
        byte[] line = "abcdef\n".getBytes(StandardCharsets.US_ASCII);
        byte[] prefixed = {0, 0, 0, 6, 'a', 'b', 'c', 'd', 'e', 'f'};
        for (Framing framing : List.of(Framing.newline(), Framing.lengthPrefixed())) {
            byte[] bytes = framing == Framing.newline() ? line : prefixed;
            AtomicInteger reads = new AtomicInteger();
            EmbeddedChannel ch = new EmbeddedChannel();
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                @Override
                public void read(ChannelHandlerContext ctx) {
                    reads.incrementAndGet();
                    ctx.read();
                }
            }, framing.decoder(100));
            try {
                ch.writeInbound(Unpooled.copiedBuffer(bytes, 0, 3));
                assertThat(ch.<Object>readInbound()).as("%s: nothing decoded yet", framing).isNull();
                assertThat(reads).as("%s: a read without a frame asks for more", framing).hasValue(1);
                ch.writeInbound(Unpooled.copiedBuffer(bytes, 3, bytes.length - 3));
                Frames f = ch.readInbound();
                assertThat(f).as("%s: the frame", framing).isNotNull();
                assertThat(f).singleElement().isEqualTo("abcdef".getBytes(StandardCharsets.US_ASCII));
                assertThat(reads).as("%s: a read with a frame leaves it to demand", framing).hasValue(1);
            } finally {
                ch.finishAndReleaseAll();
            }
        }
    }

    /** Every line of a read gets the read's receipt time as its timestamp (the clock is read once per read). */
    @Test
    void linesAreStampedWithTheTimeTheyWereReceived() throws Exception {
        int port = start(100);
        List<String> lines = lines(500);
        try (Socket s = new Socket("127.0.0.1", port)) {
            long before = System.currentTimeMillis();
            s.getOutputStream().write(joined(lines));
            List<Message> got = new ArrayList<>();
            for (String want : lines) {
                Message m = received.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("message received in time").isNotNull();
                assertThat(m.payloadUtf8()).isEqualTo(want);
                got.add(m);
            }
            long after = System.currentTimeMillis();
            assertThat(got).allSatisfy(m -> assertThat(m.timestamp()).isBetween(before, after));
            Thread.sleep(20);
            s.getOutputStream().write("later\n".getBytes(StandardCharsets.US_ASCII));
            Message later = received.poll(10, TimeUnit.SECONDS);
            assertThat(later).isNotNull();
            assertThat(later.timestamp()).as("a later read has a later stamp").isGreaterThanOrEqualTo(before + 20);
        }
    }

    @Test
    void moreThanTheMaximumWithoutANewlineFailsBeforeTheLineEnds() throws Exception {
        int port = start(100);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("ok\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(next()).isEqualTo("ok");
            s.getOutputStream().write("z".repeat(101).getBytes(StandardCharsets.US_ASCII)); // no newline yet
            ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.error()).isInstanceOf(TooLongFrameException.class);
            assertThat(e.reason()).contains("over 101");
        }
        assertThat(received).isEmpty();
    }
}
