package io.sluice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.transport.internal.SkeletonSource;
import io.sluice.transport.tcp.Framing;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/**
 * Issue 17 (lossless soak): a source stops reading from its socket when the pipeline does not
 * request. Many small messages (a socket read holds thousands of them) from a real client that
 * writes as fast as the socket takes them, into a source whose subscriber requested one message:
 * the client's writes stall with tens of megabytes stuck in the socket buffers, while the source
 * has read (decoded) only a bounded number of messages, which does not grow while the client is
 * stuck. Then the subscriber requests everything, and every message arrives in order (the
 * positive control: the client was sending all along). The soak runs earlier ran out of heap
 * because a source read far ahead of a slow pipeline.
 */
@Timeout(180)
class SourceReadAheadTest {

    private static final Logger LOG = LoggerFactory.getLogger(SourceReadAheadTest.class);
    /** 100-byte messages, 60 MB: well beyond the loopback socket buffers (a few MB here). */
    private static final int N = 600_000;
    /**
     * Heap the source may retain without demand. With the test JVM's PARANOID leak detection every
     * buffer a source holds carries its access records (about 7 KB each in the soak's histograms):
     * the 37,000 frames the soak's WebSocket gateway held were 250 MB.
     */
    private static final long BOUND = 32L << 20;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void tcpNewlineStopsReading() throws Exception {
        check(Transports.tcp().framing(Framing.newline()).source(), port -> {
            try (Socket s = new Socket("127.0.0.1", port);
                 OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8192)) {
                for (int i = 0; i < N; i++) {
                    out.write(line(i));
                    sent.set(i + 1);
                }
                out.flush();
            }
        });
    }

    @Test
    void tcpLengthPrefixedStopsReading() throws Exception {
        check(Transports.tcp().framing(Framing.lengthPrefixed()).source(), port -> {
            try (Socket s = new Socket("127.0.0.1", port);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 8192))) {
                for (int i = 0; i < N; i++) {
                    byte[] p = payload(i);
                    out.writeInt(p.length);
                    out.write(p);
                    sent.set(i + 1);
                }
                out.flush();
            }
        });
    }

    @Test
    void webSocketStopsReading() throws Exception {
        check(Transports.websocket().source(), port -> {
            // reactor-netty's client writes only while the channel is writable: what it handed over
            // (counted) is at most its outbound buffer's high-water mark ahead of the socket
            HttpClient.create().websocket().uri("ws://127.0.0.1:" + port + "/ws")
                    .handle((in, out) -> out.sendObject(Flux.range(0, N)
                            .map(i -> new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload(i))))
                            .doOnNext(f -> sent.incrementAndGet())).then())
                    .then()
                    .block(Duration.ofSeconds(170));
        });
    }

    /** What the client wrote so far (messages whose write returned). */
    private final AtomicLong sent = new AtomicLong();

    interface Client {
        void send(int port) throws Exception;
    }

    private void check(SkeletonSource source, Client client) throws Exception {
        AtomicLong got = new AtomicLong();
        AtomicLong outOfOrder = new AtomicLong();
        BaseSubscriber<Message> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnNext(Message m) {
                long expected = got.getAndIncrement();
                if (Long.parseLong(m.payloadUtf8().trim().substring(1)) != expected) {
                    outOfOrder.incrementAndGet();
                }
            }
        };
        source.flux().subscribe(slow);
        long heapBefore = retainedHeap();
        AtomicReference<Throwable> clientFailed = new AtomicReference<>();
        Thread sender = null;
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            sender = new Thread(() -> {
                try {
                    client.send(port);
                } catch (Throwable e) {
                    clientFailed.set(e);
                }
            }, "read-ahead-client");
            sender.setDaemon(true);
            sender.start();
            // the client is stuck: what it wrote has not grown for 1 s (bounded wait)
            long[] last = {-1};
            long[] since = {System.nanoTime()};
            await(() -> {
                long now = sent.get();
                if (now != last[0]) {
                    last[0] = now;
                    since[0] = System.nanoTime();
                    return false;
                }
                return now > 0 && System.nanoTime() - since[0] > TimeUnit.SECONDS.toNanos(1);
            }, "the client's writes stalled");
            long written = sent.get();
            long held = retainedHeap() - heapBefore;
            LOG.info("{}: the client wrote {} messages and stalled; the source emitted {}; heap retained meanwhile {} KiB,"
                    + " pooled direct memory pinned {} KiB", source.getClass().getSimpleName(), written, got.get(), held >> 10,
                    io.netty.buffer.PooledByteBufAllocator.DEFAULT.pinnedDirectMemory() >> 10);
            assertThat(clientFailed.get()).isNull();
            assertThat(written).as("the client stalled before the end (socket buffers full)").isLessThan(N);
            assertThat(got.get()).as("one message requested").isEqualTo(1);
            assertThat(held).as("heap retained by the source without demand").isLessThan(BOUND);
            // the positive control: with demand, everything arrives, in order
            slow.request(Long.MAX_VALUE);
            await(() -> got.get() == N || clientFailed.get() != null, "every message arrived");
            assertThat(clientFailed.get()).isNull();
            assertThat(outOfOrder.get()).isZero();
        } finally {
            slow.dispose();
            if (sender != null) {
                sender.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    private static final String PAD = " ".repeat(80);

    private static byte[] payload(int i) {
        return String.format("m%019d%s", i, PAD).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] line(int i) {
        return String.format("m%019d%s\n", i, PAD).getBytes(StandardCharsets.US_ASCII);
    }

    /** Heap in use after garbage collection: the lowest of repeated GCs, until two agree (bounded). */
    private static long retainedHeap() throws InterruptedException {
        java.lang.management.MemoryMXBean mx = java.lang.management.ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        long previous = -1;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(50);
            long used = mx.getHeapMemoryUsage().getUsed();
            best = Math.min(best, used);
            if (previous >= 0 && Math.abs(used - previous) < 256 * 1024) {
                break;
            }
            previous = used;
        }
        return best;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
