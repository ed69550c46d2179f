package io.sluice.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.transport.LiveThreads;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Payloads;
import io.sluice.transport.RoundTrip;
import io.sluice.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@ExtendWith(NettyLeakCheck.class)
class TcpTransportTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final EventDispatcher events = new EventDispatcher();
    private final List<Object> seen = new CopyOnWriteArrayList<>();
    private final BlockingQueue<ConnectionError> errors = new LinkedBlockingQueue<>();
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private Disposable running;

    TcpTransportTest() {
        events.on(ConnectionError.class, errors::add);
        events.on(Object.class, seen::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    @ParameterizedTest(name = "{0} framing, {1} B x {2} x {3} clients")
    @CsvSource({
        "length, 18, 2500, 4", "length, 4266, 125, 4", "length, 6786, 125, 4", "length, 79435, 125, 4",
        "newline, 18, 2500, 4", "newline, 4266, 125, 4", "newline, 6786, 125, 4", "newline, 79435, 125, 4"})
    void roundTrip(String framing, int size, int perClient, int clients) {
        // Payloads never contain '\n' or '\r', so every size suits the newline framing too
        Framing f = framing.equals("length") ? Framing.lengthPrefixed() : Framing.newline();
        TcpSource source = Transports.tcp().framing(f).events(events).source();
        int finalSize = size;
        RoundTrip.run(source, source::boundAddress,
                port -> Transports.tcp().port(port).framing(f).sink(), clients, perClient, finalSize);
        assertThat(source.metrics().messages()).isEqualTo((long) clients * perClient);
        assertThat(source.metrics().bytes()).isEqualTo((long) clients * perClient * size);
        assertThat(source.metrics().connectionsOpened()).isEqualTo(clients);
        assertThat(seen).filteredOn(e -> e instanceof ConnectionOpened).hasSizeGreaterThanOrEqualTo(clients);
        assertThat(errors).isEmpty();
    }

    private TcpSource start(TcpBuilder b) {
        TcpSource source = b.events(events).source();
        running = source.flux().subscribe(received::add);
        source.boundAddress().block(T);
        return source;
    }

    private int port(TcpSource s) {
        return s.boundAddress().block(T).getPort();
    }

    private Message next() throws InterruptedException {
        Message m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("message received in time").isNotNull();
        return m;
    }

    private static byte[] lengthFrame(byte[] payload) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bo);
        out.writeInt(payload.length);
        out.write(payload);
        return bo.toByteArray();
    }

    private static byte[] newlineFrame(byte[] payload) {
        byte[] b = Arrays.copyOf(payload, payload.length + 1);
        b[payload.length] = '\n';
        return b;
    }

    private static void assertClosedByPeer(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        try {
            assertThat(in.read()).isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            // connection reset also means the server closed it
        }
    }

    private void assertServesAnotherClient(TcpSource source, Framing f) throws Exception {
        received.clear();
        byte[] p = "still serving".getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            OutputStream out = s.getOutputStream();
            out.write(f == Framing.newline() ? (new String(p, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8)
                    : lengthFrame(p));
            out.flush();
            assertThat(next().payload()).isEqualTo(p);
        }
    }

    @Test
    void libraryAndYamlDefaultToNewlineFramingSoAPlainClientsLineArrivesWhole() throws Exception {
        // the YAML default comes from the provider's schema (which also generates the README table)
        Object yamlDefault = new TcpProvider().endpointTypes().get(0).options().stream()
                .filter(o -> o.name().equals("framing")).findFirst().orElseThrow().defaultValue();
        assertThat(Transports.tcp().framing).as("library default").hasToString(String.valueOf(yamlDefault));
        assertThat(yamlDefault).as("YAML default").isEqualTo("newline");
        // what socat or nc send: text lines, no length prefix
        TcpSource source = start(Transports.tcp());
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write("hello\nworld\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(next().payload()).containsExactly("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(next().payload()).containsExactly("world".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(source.metrics().errors()).isZero();
    }

    @Test
    void frameDeliveredOneByteAtATime() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()));
        byte[] payload = Payloads.payload(1, 1, 300);
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (byte b : lengthFrame(payload)) {
                out.write(b);
                out.flush();
            }
            assertThat(next().payload()).isEqualTo(payload);
        }
    }

    @Test
    void manyFramesInOneWrite() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 1; i <= 1000; i++) {
            all.write(lengthFrame(Payloads.payload(0, i, 16 + i % 100)));
        }
        all.write(lengthFrame(new byte[1]));
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write(all.toByteArray());
            s.getOutputStream().flush();
            for (int i = 1; i <= 1000; i++) {
                assertThat(next().payload()).isEqualTo(Payloads.payload(0, i, 16 + i % 100));
            }
            assertThat(next().payload()).hasSize(1);
        }
    }

    @Test
    void manyNewlineFramesInOneWriteWithCrLf() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.newline()));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            sb.append("line-").append(i).append(i % 2 == 0 ? "\n" : "\r\n");
        }
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write(sb.toString().getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 500; i++) {
                assertThat(next().payloadUtf8()).isEqualTo("line-" + i);
            }
        }
    }

    @Test
    void frameAtMaximumPassesAndOneByteOverClosesOnlyThatConnection() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()).maxFrameLength(1024));
        byte[] atMax = Payloads.payload(2, 2, 1024);
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write(lengthFrame(atMax));
            assertThat(next().payload()).isEqualTo(atMax);
            s.getOutputStream().write(lengthFrame(new byte[1025]));
            assertClosedByPeer(s);
        }
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.reason()).contains("TooLongFrameException");
        assertThat(source.metrics().errors()).isEqualTo(1);
        assertServesAnotherClient(source, Framing.lengthPrefixed());
    }

    /**
     * The prefix is an unsigned 32-bit length (see {@link Framing}): 0x80000000 is 2 GiB and
     * 0xFFFFFFFF is 4 GiB - 1, not negative lengths; all are over the 1 MiB default.
     */
    @ParameterizedTest(name = "prefix 0x{0}")
    @ValueSource(strings = {"7FFFFFFF", "80000000", "FFFFFFFF", "00100001"})
    void hugeLengthPrefixClosesConnectionWithoutBuffering(String hex) throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()));
        int prefix = (int) Long.parseLong(hex, 16);
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write(ByteBuffer.allocate(7).putInt(prefix).put(new byte[] {1, 2, 3}).array());
            assertClosedByPeer(s);
        }
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.transport()).isEqualTo("tcp");
        assertThat(e.error()).isInstanceOf(io.netty.handler.codec.TooLongFrameException.class);
        // the payload length the prefix announces (Netty's decoder reported it plus the prefix's 4 bytes)
        assertThat(e.reason()).contains("larger than the maximum of " + TcpBuilder.DEFAULT_MAX_FRAME_LENGTH)
                .contains("frame length (" + Long.parseLong(hex, 16) + ")");
        assertThat(received).isEmpty();
        assertServesAnotherClient(source, Framing.lengthPrefixed());
    }

    @Test
    void newlineFrameDeliveredOneByteAtATime() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.newline()));
        byte[] payload = Payloads.payload(1, 2, 300);
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (byte b : newlineFrame(payload)) {
                out.write(b);
                out.flush();
            }
            assertThat(next().payload()).isEqualTo(payload);
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void newlineFrameAtMaximumPassesAndOneByteOverClosesOnlyThatConnection() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.newline()).maxFrameLength(1024));
        byte[] atMax = Payloads.payload(3, 3, 1024);
        try (Socket other = new Socket("127.0.0.1", port(source))) {
            try (Socket s = new Socket("127.0.0.1", port(source))) {
                s.getOutputStream().write(newlineFrame(atMax));
                assertThat(next().payload()).isEqualTo(atMax);
                s.getOutputStream().write(newlineFrame(Payloads.payload(3, 4, 1025)));
                assertClosedByPeer(s);
            }
            ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.reason()).contains("TooLongFrameException").contains("maximum of 1024");
            assertThat(source.metrics().errors()).isEqualTo(1);
            // the connection opened before the bad one is still served
            byte[] p = Payloads.payload(3, 5, 100);
            other.getOutputStream().write(newlineFrame(p));
            assertThat(next().payload()).isEqualTo(p);
        }
        assertServesAnotherClient(source, Framing.newline());
        assertThat(received).isEmpty();
    }

    @Test
    void newlineGarbageOverMaximumClosesConnection() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.newline()).maxFrameLength(64));
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            byte[] garbage = new byte[4096];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = (byte) (i % 2 == 0 ? 0x00 : 0xFE);
            }
            s.getOutputStream().write(garbage);
            assertClosedByPeer(s);
        }
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.reason()).contains("TooLongFrameException");
        assertServesAnotherClient(source, Framing.newline());
    }

    @Test
    void peerClosingMidFrameIsReported() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()));
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            OutputStream out = s.getOutputStream();
            byte[] frame = lengthFrame(new byte[100]);
            out.write(Arrays.copyOf(frame, 54));
            out.flush();
        }
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.reason()).contains("mid-frame").contains("54 bytes");
        assertServesAnotherClient(source, Framing.lengthPrefixed());
        assertThat(received).isEmpty();
    }

    /** socat, nc and syslog senders often close without a final newline: that last line is a message. */
    @Test
    void newlineUnterminatedLastLineAtEofIsAMessage() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.newline()));
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write("first\r\nsecond\nno newline at end".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(next().payloadUtf8()).isEqualTo("first");
            assertThat(next().payloadUtf8()).isEqualTo("second");
            assertThat(next().payloadUtf8()).isEqualTo("no newline at end");
        }
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            // the whole stream is one unterminated line, its bytes unchanged (a trailing '\r' too)
            s.getOutputStream().write("only line\r".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(next().payloadUtf8()).isEqualTo("only line\r");
        assertServesAnotherClient(source, Framing.newline());
        assertThat(errors).isEmpty();
        assertThat(source.metrics().errors()).isZero();
    }

    @Test
    void newlineDiscardingLastLineKeepsTheOldBehaviour() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.newlineDiscardingLastLine()));
        try (Socket s = new Socket("127.0.0.1", port(source))) {
            s.getOutputStream().write("kept\ndropped".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(next().payloadUtf8()).isEqualTo("kept");
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.reason()).contains("mid-frame").contains("7 bytes");
        assertThat(received).isEmpty();
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedWithAnEvent() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()).maxConnections(2));
        try (Socket a = new Socket("127.0.0.1", port(source)); Socket b = new Socket("127.0.0.1", port(source))) {
            a.getOutputStream().write(lengthFrame(new byte[] {1}));
            b.getOutputStream().write(lengthFrame(new byte[] {2}));
            next();
            next();
            try (Socket c = new Socket("127.0.0.1", port(source))) {
                assertClosedByPeer(c);
            }
            ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.reason()).contains("connection limit");
            assertThat(source.metrics().connectionsActive()).isEqualTo(2);
        }
    }

    @Test
    void sinkRejectsOversizedAndNewlineBearingMessages() {
        TcpSource source = start(Transports.tcp().framing(Framing.newline()).maxFrameLength(100));
        TcpSink sink = Transports.tcp().port(port(source)).framing(Framing.newline()).maxFrameLength(100).sink();
        StepVerifier.create(sink.write(Flux.just(Message.ofUtf8("a\nb"))))
                .expectError(IllegalArgumentException.class)
                .verify(T);
        StepVerifier.create(sink.write(Flux.just(Message.of(new byte[101]))))
                .expectError(IllegalArgumentException.class)
                .verify(T);
    }

    @Test
    void cancelClosesServerAndConnections() throws Exception {
        TcpSource source = start(Transports.tcp().framing(Framing.lengthPrefixed()));
        int port = port(source);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(lengthFrame(new byte[] {7}));
            next();
            running.dispose();
            assertClosedByPeer(s);
        }
        // the server's listening socket closes asynchronously after dispose: wait (bounded) for refusal
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                Thread.sleep(10);
            } catch (ConnectException refused) {
                break;
            }
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        while (source.metrics().connectionsActive() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(source.metrics().connectionsActive()).isZero();
        assertThat(seen).filteredOn(e -> e instanceof ConnectionClosed).isNotEmpty();
    }

    @Test
    void slowPipelineBackpressuresTheSender() throws Exception {
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed()).prefetch(8).events(events).source();
        Payloads.Checker checker = new Payloads.Checker(79435, 1000);
        AtomicBoolean done = new AtomicBoolean();
        BaseSubscriber<Message> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(1);
            }

            @Override
            protected void hookOnNext(Message m) {
                checker.accept(m);
            }
        };
        source.flux().transform(Overflow.<Message>block(16)).subscribe(slow);
        int port = port(source);
        TcpSink sink = Transports.tcp().port(port).framing(Framing.lengthPrefixed()).sink();
        Mono<Void> write = sink.write(Payloads.messages(0, 1000, 79435)).doOnSuccess(x -> done.set(true)).cache();
        write.subscribe(x -> { }, e -> { });
        // wait until the sender is stuck: the sink's byte count stops growing
        long last = -1;
        for (int i = 0; i < 100; i++) {
            long now = sink.metrics().messages();
            if (now > 0 && now == last && checker.count() == 1) {
                break;
            }
            last = now;
            Thread.sleep(200);
        }
        assertThat(done).as("sink completed although the consumer consumed 1 message").isFalse();
        assertThat(checker.count()).isEqualTo(1);
        // read from the socket but not consumed: prefetch + overflow buffer + one read burst
        assertThat(source.metrics().messages()).isLessThan(200);
        assertThat(sink.metrics().messages()).isLessThan(1000);
        slow.request(Long.MAX_VALUE);
        write.block(Duration.ofSeconds(60));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (checker.count() < 1000 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        slow.dispose();
        assertThat(checker.count()).isEqualTo(1000);
        assertThat(checker.distinct()).isEqualTo(1000);
        assertThat(checker.bad()).isZero();
    }

    // ---- bad input does not accumulate memory -------------------------------------------------

    private static final int MIB = 1 << 20;

    /** Heap in use after garbage collection: the lowest of repeated GCs, until two agree (bounded). */
    private static long retainedHeap() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
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

    /** Bytes of Netty's default pooled allocator held by buffers not yet released (cached chunks excluded). */
    private static long pinnedNettyMemory() {
        return PooledByteBufAllocator.DEFAULT.pinnedDirectMemory() + PooledByteBufAllocator.DEFAULT.pinnedHeapMemory();
    }

    private static void writeIgnoringReset(Socket s, byte[] bytes) {
        try {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
        } catch (IOException closedByServer) {
            // the server may close (RST) while we are still writing: that is the expected outcome
        }
    }

    /**
     * One round of bad clients: {@code n} each of a huge length prefix followed by 256 KiB, a
     * 1 MiB frame abandoned after 512 KiB, and 128 KiB of newline-less garbage against a 64 KiB
     * newline maximum. Returns the bytes sent.
     */
    private static long badClients(int lengthPort, int newlinePort, int n) throws IOException {
        int[] prefixes = {0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
        byte[] tail = new byte[256 * 1024];
        Arrays.fill(tail, (byte) 0xA5);
        byte[] partial = new byte[4 + 512 * 1024];
        ByteBuffer.wrap(partial).putInt(MIB);
        byte[] garbage = new byte[128 * 1024];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i % 2 == 0 ? 0x00 : 0xFE);
        }
        long sent = 0;
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket("127.0.0.1", lengthPort)) {
                byte[] b = ByteBuffer.allocate(4 + tail.length).putInt(prefixes[i % prefixes.length]).put(tail).array();
                writeIgnoringReset(s, b);
                assertClosedByPeer(s);
                sent += b.length;
            }
            try (Socket s = new Socket("127.0.0.1", lengthPort)) {
                s.getOutputStream().write(partial);
                s.getOutputStream().flush();
                sent += partial.length;
            }
            try (Socket s = new Socket("127.0.0.1", newlinePort)) {
                writeIgnoringReset(s, garbage);
                assertClosedByPeer(s);
                sent += garbage.length;
            }
        }
        return sent;
    }

    private static void await(java.util.function.BooleanSupplier condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void manyBadConnectionsDoNotGrowMemoryAndTheServerKeepsServing() throws Exception {
        // a dispatcher of its own that keeps no events: retaining 300 errors would itself grow the heap
        EventDispatcher counting = new EventDispatcher();
        AtomicInteger errorEvents = new AtomicInteger();
        AtomicInteger refusals = new AtomicInteger();
        AtomicInteger unexplained = new AtomicInteger();
        counting.on(ConnectionError.class, e -> {
            errorEvents.incrementAndGet();
            if (e.reason().contains("connection limit")) {
                refusals.incrementAndGet();
            } else if (!e.reason().contains("larger than the maximum") && !e.reason().contains("mid-frame")) {
                unexplained.incrementAndGet();
            }
        });
        TcpSource length = Transports.tcp().framing(Framing.lengthPrefixed()).events(counting).source();
        TcpSource newline = Transports.tcp().framing(Framing.newline()).maxFrameLength(64 * 1024)
                .events(counting).source();
        running = Disposables.composite(length.flux().subscribe(received::add), newline.flux().subscribe(received::add));
        int lengthPort = port(length);
        int newlinePort = port(newline);

        // warm-up: every kind of bad client once, so classes, loggers and pools exist before the baseline
        badClients(lengthPort, newlinePort, 1);
        await(() -> errorEvents.get() == 3, 10);
        assertThat(errorEvents.get()).isEqualTo(3);
        long heapBefore = retainedHeap();
        long nettyBefore = pinnedNettyMemory();

        int rounds = 100;
        long sent = badClients(lengthPort, newlinePort, rounds);
        int expected = 3 + 3 * rounds;
        await(() -> errorEvents.get() >= expected
                && length.metrics().connectionsActive() == 0 && newline.metrics().connectionsActive() == 0, 60);
        assertThat(errorEvents.get()).as("one error event per bad connection").isEqualTo(expected);
        assertThat(refusals.get()).as("connections refused because earlier ones were still open").isZero();
        assertThat(unexplained.get()).as("errors with an unexpected reason").isZero();
        assertThat(length.metrics().connectionsActive() + newline.metrics().connectionsActive()).isZero();

        long heapGrowth = retainedHeap() - heapBefore;
        long nettyGrowth = pinnedNettyMemory() - nettyBefore;
        // The 300 clients claimed 100 x 2-4 GiB and 100 x 1 MiB frames and actually sent about
        // 90 MiB (asserted below); keeping even one buffer per bad connection would add tens of
        // MiB. 8 MiB of heap leaves room for JIT/class-loading noise; Netty buffers must all be back.
        assertThat(sent).isGreaterThan(80L * MIB);
        assertThat(heapGrowth).as("retained heap growth after %d bad connections, bytes", 3 * rounds)
                .isLessThan(8L * MIB);
        assertThat(nettyGrowth).as("Netty buffer memory still held after %d bad connections, bytes", 3 * rounds)
                .isLessThan(2L * MIB);

        assertThat(received).isEmpty();
        assertServesAnotherClient(length, Framing.lengthPrefixed());
        assertServesAnotherClient(newline, Framing.newline());
    }

    // ---- stop releases everything ------------------------------------------------------------

    private static void awaitRefused(int port) throws InterruptedException {
        // the listening socket closes asynchronously after dispose: wait (bounded) for refusal
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                Thread.sleep(10);
            } catch (IOException refused) {
                break;
            }
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    /** Serves 8 sink clients and one open raw connection, then stops; returns the port it used. */
    private int serveThenStop() throws Exception {
        received.clear();
        TcpSource source = Transports.tcp().framing(Framing.lengthPrefixed()).events(events).source();
        Disposable d = source.flux().subscribe(received::add);
        running = d;
        int port = port(source);
        // 8 connections so every worker of reactor-netty's shared loop is started in the warm-up round
        Flux.range(0, 8).flatMap(c -> Transports.tcp().port(port).framing(Framing.lengthPrefixed()).sink().write(Payloads.messages(c, 10, 100)), 8)
                .then().block(T);
        for (int i = 0; i < 80; i++) {
            next();
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(lengthFrame(new byte[] {9}));
            assertThat(next().payload()).containsExactly(9);
            d.dispose();
            assertClosedByPeer(s);
        }
        awaitRefused(port);
        await(() -> source.metrics().connectionsActive() == 0, 10);
        assertThat(source.metrics().connectionsActive()).isZero();
        return port;
    }

    @Test
    void stopReleasesThreadsConnectionsAndThePort() throws Exception {
        serveThenStop();
        Set<String> baseline = LiveThreads.settle(Duration.ofSeconds(1), Duration.ofSeconds(20));
        serveThenStop();
        LiveThreads.awaitBackTo(baseline, Duration.ofSeconds(30));
        assertThat(errors).isEmpty();
    }
}
