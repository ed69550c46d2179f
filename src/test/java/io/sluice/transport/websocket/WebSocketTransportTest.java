package io.sluice.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import io.sluice.transport.LiveThreads;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Payloads;
import io.sluice.transport.RoundTrip;
import io.sluice.transport.Transports;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@ExtendWith(NettyLeakCheck.class)
class WebSocketTransportTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final EventDispatcher events = new EventDispatcher();
    private final BlockingQueue<ConnectionError> errors = new LinkedBlockingQueue<>();
    private Disposable running;

    WebSocketTransportTest() {
        events.on(ConnectionError.class, errors::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    // Netty's PARANOID leak detection (on in tests) records a stack trace on every buffer access,
    // and WebSocket masking touches every 4 bytes: big-message counts are kept small here.
    @ParameterizedTest(name = "{0} B x {1} x {2} clients")
    @CsvSource({"18, 2500, 4", "4266, 125, 4", "6786, 125, 4", "79435, 50, 4"})
    void roundTrip(int size, int perClient, int clients) {
        WebSocketSource source = Transports.websocket().events(events).source();
        RoundTrip.run(source, source::boundAddress, port -> Transports.websocket().port(port).sink(),
                clients, perClient, size);
        assertThat(source.metrics().messages()).isEqualTo((long) clients * perClient);
        assertThat(errors).isEmpty();
    }

    @Test
    void oversizedFrameClosesOnlyThatConnection() throws Exception {
        WebSocketSource source = Transports.websocket().maxFrameLength(1000).events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        Transports.websocket().port(port).maxFrameLength(100_000).sink()
                .write(Flux.just(Message.of(new byte[5000]))).onErrorResume(e -> Mono.empty()).block(T);
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).isNotNull();
        assertThat(e.transport()).isEqualTo("websocket");
        Transports.websocket().port(port).sink().write(Flux.just(Message.ofUtf8("fine"))).block(T);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payloadUtf8()).isEqualTo("fine");
        // the offending connection itself is closed by the server: seen on a raw socket
        try (RawWebSocket raw = new RawWebSocket(port, "/ws")) {
            raw.send(RawWebSocket.frame(true, RawWebSocket.BINARY, new byte[5000]));
            assertThat(raw.awaitClosedByServer()).as("oversized frame's connection closed by the server").isTrue();
        }
        ConnectionError second = errors.poll(10, TimeUnit.SECONDS);
        assertThat(second).isNotNull();
        assertThat(second.reason()).contains("1000");
        assertThat(got).isEmpty();
        awaitNoActiveConnections(source);
    }

    private static void awaitNoActiveConnections(WebSocketSource source) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.metrics().connectionsActive() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(source.metrics().connectionsActive()).isZero();
    }

    /** Bytes no WebSocket client may send after the upgrade. */
    static Stream<Arguments> badFrames() {
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xFF);
        byte[] unmasked = {(byte) 0x82, 0x03, 1, 2, 3};
        byte[] reservedOpcode = RawWebSocket.frame(true, 0x3, new byte[] {1, 2, 3});
        byte[] continuationFirst = RawWebSocket.frame(true, RawWebSocket.CONTINUATION, new byte[] {1, 2, 3});
        return Stream.of(Arguments.of("garbage bytes", garbage), Arguments.of("unmasked client frame", unmasked),
                Arguments.of("reserved opcode", reservedOpcode),
                Arguments.of("continuation without a first frame", continuationFirst));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFrames")
    void badInputAfterTheUpgradeClosesOnlyThatConnection(String what, byte[] bad) throws Exception {
        WebSocketSource source = Transports.websocket().events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        try (RawWebSocket other = new RawWebSocket(port, "/ws")) {
            try (RawWebSocket raw = new RawWebSocket(port, "/ws")) {
                raw.send(bad);
                assertThat(raw.awaitClosedByServer()).as("connection closed by the server").isTrue();
            }
            ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("error event").isNotNull();
            assertThat(e.transport()).isEqualTo("websocket");
            // Netty's frame decoder rejects each of them as a protocol violation
            assertThat(e.reason()).contains("CorruptedWebSocketFrameException");
            assertThat(source.metrics().errors()).isEqualTo(1);
            // a connection opened before the bad one is still served...
            other.send(RawWebSocket.frame(true, RawWebSocket.BINARY, new byte[] {4, 5, 6}));
            Message m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).isNotNull();
            assertThat(m.payload()).containsExactly(4, 5, 6);
            other.send(RawWebSocket.closeFrame());
            assertThat(other.awaitClosedByServer()).isTrue();
        }
        // ...and so is a new one
        Transports.websocket().port(port).sink().write(Flux.just(Message.ofUtf8("next"))).block(T);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payloadUtf8()).isEqualTo("next");
        assertThat(errors).as("only the bad connection is reported").isEmpty();
        assertThat(got).isEmpty();
    }

    @Test
    void peerDisconnectingMidFrameIsReported() throws Exception {
        WebSocketSource source = Transports.websocket().events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        try (RawWebSocket raw = new RawWebSocket(port, "/ws")) {
            byte[] frame = RawWebSocket.frame(true, RawWebSocket.BINARY, new byte[1000]);
            raw.send(Arrays.copyOf(frame, 108));
        }
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("error event").isNotNull();
        assertThat(e.reason()).contains("without a WebSocket close frame");
        awaitNoActiveConnections(source);
        Transports.websocket().port(port).sink().write(Flux.just(Message.ofUtf8("after"))).block(T);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payloadUtf8()).isEqualTo("after");
        assertThat(got).as("nothing of the partial frame was emitted").isEmpty();
        assertThat(errors).isEmpty();
    }

    @Test
    void textFramesBecomeOneMessageEach() throws Exception {
        WebSocketSource source = Transports.websocket().events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        String text = "grüße, \u2603 and \uD83D\uDE00";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try (RawWebSocket raw = new RawWebSocket(port, "/ws")) {
            raw.send(RawWebSocket.frame(true, RawWebSocket.TEXT, utf8));
            // a text message in two fragments, split inside a multi-byte character
            raw.send(RawWebSocket.frame(false, RawWebSocket.TEXT, Arrays.copyOf(utf8, 3)));
            raw.send(RawWebSocket.frame(true, RawWebSocket.CONTINUATION, Arrays.copyOfRange(utf8, 3, utf8.length)));
            raw.send(RawWebSocket.closeFrame());
            assertThat(raw.awaitClosedByServer()).isTrue();
        }
        for (int i = 0; i < 2; i++) {
            Message m = got.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("message %s", i).isNotNull();
            assertThat(m.payload()).isEqualTo(utf8);
            assertThat(m.payloadUtf8()).isEqualTo(text);
        }
        assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("exactly one message per text message").isNull();
        assertThat(source.metrics().messages()).isEqualTo(2);
        assertThat(errors).isEmpty();
    }

    /** Serves 8 sink clients and one open raw connection, then stops; returns the port it used. */
    private int serveThenStop() throws Exception {
        WebSocketSource source = Transports.websocket().events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        Disposable d = source.flux().subscribe(got::add);
        running = d;
        int port = source.boundAddress().block(T).getPort();
        Flux.range(0, 8).flatMap(c -> Transports.websocket().port(port).sink().write(Payloads.messages(c, 10, 100)), 8)
                .then().block(T);
        for (int i = 0; i < 80; i++) {
            assertThat(got.poll(10, TimeUnit.SECONDS)).as("message %s", i).isNotNull();
        }
        try (RawWebSocket raw = new RawWebSocket(port, "/ws")) {
            raw.send(RawWebSocket.frame(true, RawWebSocket.BINARY, new byte[] {9}));
            assertThat(got.poll(10, TimeUnit.SECONDS)).isNotNull();
            d.dispose();
            assertThat(raw.awaitClosedByServer()).as("open connection closed on stop").isTrue();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                Thread.sleep(10);
            } catch (IOException refused) {
                break;
            }
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        awaitNoActiveConnections(source);
        return port;
    }

    @Test
    void stopReleasesThreadsConnectionsAndThePort() throws Exception {
        serveThenStop();
        Set<String> baseline = LiveThreads.settle(Duration.ofSeconds(1), Duration.ofSeconds(20));
        serveThenStop();
        LiveThreads.awaitBackTo(baseline, Duration.ofSeconds(30));
        assertThat(errors).as("stopping is not reported as connection errors").isEmpty();
    }

    @Test
    void upgradesBeyondTheConnectionLimitGet503AndEventsAreReported() throws Exception {
        List<Object> seen = new CopyOnWriteArrayList<>();
        events.on(Object.class, seen::add);
        WebSocketSource source = Transports.websocket().maxConnections(1).events(events).source();
        BaseSubscriber<Message> stalled = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(1);
            }
        };
        source.flux().subscribe(stalled);
        running = stalled;
        int port = source.boundAddress().block(T).getPort();
        // first connection stays open: its second message is never requested
        Disposable first = Transports.websocket().port(port).sink()
                .write(Flux.just(Message.ofUtf8("a"), Message.ofUtf8("b")).concatWith(Flux.never()))
                .subscribe(x -> { }, e -> { });
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (source.metrics().messages() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            StepVerifier.create(Transports.websocket().port(port).sink().write(Flux.just(Message.ofUtf8("c"))))
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("503"))
                    .verify(T);
            ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.reason()).contains("connection limit");
        } finally {
            first.dispose();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.metrics().connectionsActive() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(source.metrics().connectionsActive()).isZero();
        assertThat(seen).anySatisfy(ev -> assertThat(ev).isInstanceOf(io.sluice.event.ConnectionOpened.class));
        assertThat(seen).anySatisfy(ev -> assertThat(ev).isInstanceOf(io.sluice.event.ConnectionClosed.class));
    }

    private static Mono<Void> sendFragments(int port, int... sizes) {
        return reactor.netty.http.client.HttpClient.create().host("127.0.0.1").port(port)
                .websocket(reactor.netty.http.client.WebsocketClientSpec.builder().maxFramePayloadLength(1 << 20).build())
                .uri("/ws")
                .handle((in, out) -> {
                    List<io.netty.handler.codec.http.websocketx.WebSocketFrame> frames = new java.util.ArrayList<>();
                    for (int i = 0; i < sizes.length; i++) {
                        byte[] part = new byte[sizes[i]];
                        java.util.Arrays.fill(part, (byte) i);
                        boolean last = i == sizes.length - 1;
                        frames.add(i == 0
                                ? new io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame(last, 0,
                                        io.netty.buffer.Unpooled.wrappedBuffer(part))
                                : new io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame(last, 0,
                                        io.netty.buffer.Unpooled.wrappedBuffer(part)));
                    }
                    return out.sendObject(Flux.fromIterable(frames)).then(out.sendClose());
                })
                .then()
                .onErrorResume(e -> Mono.empty());
    }

    @Test
    void continuationFramesAreAggregatedUpToTheMaximum() throws Exception {
        WebSocketSource source = Transports.websocket().maxFrameLength(1000).events(events).source();
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(T).getPort();
        sendFragments(port, 300, 300, 400).block(T);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.size()).isEqualTo(1000);
        assertThat(m.payload()[0]).isEqualTo((byte) 0);
        assertThat(m.payload()[300]).isEqualTo((byte) 1);
        assertThat(m.payload()[999]).isEqualTo((byte) 2);
        sendFragments(port, 600, 600).block(T);
        ConnectionError e = errors.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("aggregated message over the maximum reported").isNotNull();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.metrics().connectionsActive() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(source.metrics().connectionsActive()).isZero();
        assertThat(got).isEmpty();
    }

    @Test
    void sinkRejectsMessagesOverTheMaximum() {
        StepVerifier.create(Transports.websocket().port(9).maxFrameLength(10).sink()
                        .write(Flux.just(Message.of(new byte[11]))))
                .expectError()
                .verify(T);
    }

    @Test
    void slowPipelineBackpressuresTheSender() throws Exception {
        final int N = 400;
        WebSocketSource source = Transports.websocket().prefetch(8).events(events).source();
        Payloads.Checker checker = new Payloads.Checker(79435, N);
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
        running = slow;
        int port = source.boundAddress().block(T).getPort();
        WebSocketSink sink = Transports.websocket().port(port).sink();
        AtomicBoolean done = new AtomicBoolean();
        Mono<Void> write = sink.write(Payloads.messages(0, N, 79435)).doOnSuccess(x -> done.set(true)).cache();
        write.subscribe(x -> { }, e -> { });
        long last = -1;
        for (int i = 0; i < 100; i++) {
            long now = sink.metrics().messages();
            if (now > 0 && now == last && checker.count() == 1) {
                break;
            }
            last = now;
            Thread.sleep(200);
        }
        assertThat(done).as("sink done after %s messages", sink.metrics().messages()).isFalse();
        assertThat(checker.count()).isEqualTo(1);
        assertThat(source.metrics().messages()).as("read from sockets, unconsumed").isLessThan(N / 2);
        slow.request(Long.MAX_VALUE);
        write.block(Duration.ofSeconds(60));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (checker.count() < N && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(checker.count()).isEqualTo(N);
        assertThat(checker.distinct()).isEqualTo(N);
        assertThat(checker.bad()).isZero();
    }
}
