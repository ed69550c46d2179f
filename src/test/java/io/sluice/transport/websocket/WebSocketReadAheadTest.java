package io.sluice.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.sluice.Message;
import io.sluice.transport.Transports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * Issue 17 (WebSocket soak): a connection is not read far ahead of a slow pipeline. The JDK's
 * WebSocket client sends 100-byte messages as fast as it can; the subscriber requests one message
 * per millisecond. The read-ahead (messages decoded on the connection minus messages the subscriber
 * got) is sampled for 3 s and must stay within one socket read plus the prefetch. Then the
 * subscriber requests everything: every message the client sent arrives, in order (the positive
 * control).
 *
 * <p>The cause (found 2026-12-03 with a read() recorder at the head of the pipeline): reactor-netty's
 * inbound queue (FluxReceive) adds a request made during its own drain (the merge replenishing its
 * prefetch on the event loop) to its demand and then takes it for demand left unmet: it switches
 * auto-read on with thousands of frames queued, one 64 KiB socket read (~618 frames) per
 * replenish. {@link DeferredRequests} hands every request to the event loop as a task. Without it,
 * with {@link BinaryFrameReader} taken out (frames through Netty's decoder, the path text frames
 * take) 11,188, 18,866 and 13,648 were held within 3 s (3 runs); with it 606. With the reader's
 * shortcut for binary frames the timing rarely hits it (659-666 in 4 runs without the fix; it held
 * 13,890-16,541 before the reader was merged).
 */
@Timeout(120)
class WebSocketReadAheadTest {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketReadAheadTest.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** One socket read (64 KiB of 106-byte frames: ~620) plus the prefetch (32), with room to spare. */
    private static final long BOUND = 1_500;

    @Test
    void aSlowPipelineBoundsTheReadAhead() throws Exception {
        slowPipeline(false);
    }

    /** Text frames take Netty's decoder (the path that reproduced the read-ahead without the fix). */
    @Test
    void aSlowPipelineBoundsTheReadAheadOfTextFrames() throws Exception {
        slowPipeline(true);
    }

    private void slowPipeline(boolean text) throws Exception {
        WebSocketSource source = Transports.websocket().pingInterval(Duration.ZERO).idleTimeout(Duration.ZERO).source();
        AtomicLong decoded = new AtomicLong();
        AtomicReference<Channel> server = new AtomicReference<>();
        source.onUpgraded(ch -> {
            ch.pipeline().addAfter("wsdecoder", "test.count", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                        decoded.incrementAndGet();
                    }
                    ctx.fireChannelRead(msg);
                }
            });
            server.set(ch);
        });
        AtomicLong got = new AtomicLong();
        AtomicLong outOfOrder = new AtomicLong();
        BaseSubscriber<Message> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
            }

            @Override
            protected void hookOnNext(Message m) {
                if (Long.parseLong(m.payloadUtf8().trim()) != got.getAndIncrement()) {
                    outOfOrder.incrementAndGet();
                }
            }
        };
        source.flux().subscribe(slow);
        Disposable ticks = Flux.interval(Duration.ofMillis(1)).subscribe(t -> slow.request(1));
        AtomicLong sent = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> clientFailed = new AtomicReference<>();
        int port = source.boundAddress().block(WAIT).getPort();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() { })
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Thread client = new Thread(() -> {
            try {
                for (long i = 0; !stop.get(); i++) {
                    String line = String.format("%-100d", i);
                    if (text) {
                        ws.sendText(line, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } else {
                        ws.sendBinary(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)), true)
                                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    }
                    sent.set(i + 1);
                }
            } catch (Throwable e) {
                clientFailed.set(e);
            }
        }, "read-ahead-client");
        client.setDaemon(true);
        client.start();
        try {
            await(() -> server.get() != null && sent.get() > got.get() + 5_000, "the client is 5,000 messages ahead");
            Channel ch = server.get();
            long before = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < until) {
                before = Math.max(before, decoded.get() - got.get());
                Thread.sleep(20);
            }
            LOG.info("first second: read-ahead at most {} (auto-read {})", before, ch.config().isAutoRead());
            long worst = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end) {
                worst = Math.max(worst, decoded.get() - got.get());
                Thread.sleep(20);
            }
            LOG.info("read-ahead at most {} messages over 3 s (client sent {}, subscriber got {}, auto-read {})",
                    worst, sent.get(), got.get(), ch.config().isAutoRead());
            assertThat(clientFailed.get()).isNull();
            assertThat(sent.get() - got.get()).as("the client was still ahead (positive control)").isGreaterThan(BOUND);
            assertThat(worst).as("messages read but not taken by the pipeline").isLessThan(BOUND);
            stop.set(true);
            client.join(TimeUnit.SECONDS.toMillis(30));
            slow.request(Long.MAX_VALUE);
            await(() -> got.get() == sent.get(), "every message sent arrived");
            assertThat(outOfOrder.get()).isZero();
        } finally {
            stop.set(true);
            ticks.dispose();
            ws.abort();
            slow.dispose();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
