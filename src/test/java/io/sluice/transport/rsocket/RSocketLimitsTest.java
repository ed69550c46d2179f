package io.sluice.transport.rsocket;

import static io.sluice.transport.rsocket.RSocketTransportTest.assertIntact;
import static io.sluice.transport.rsocket.RSocketTransportTest.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.Transports;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/** RSocket connection events, inbound size limit and bad input: only the offending stream or connection fails. */
class RSocketLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @ParameterizedTest(name = "webSocket={0} {1}")
    @CsvSource({"false,CHANNEL", "false,FIRE_AND_FORGET", "true,CHANNEL", "true,FIRE_AND_FORGET"})
    void eachConnectionIsReportedOpenedThenClosedOnBothSides(boolean webSocket, RSocketBuilder.Mode mode)
            throws InterruptedException {
        EventDispatcher sourceEvents = new EventDispatcher();
        List<Object> atSource = new CopyOnWriteArrayList<>();
        sourceEvents.on(Object.class, atSource::add);
        EventDispatcher sinkEvents = new EventDispatcher();
        List<Object> atSink = new CopyOnWriteArrayList<>();
        sinkEvents.on(Object.class, atSink::add);
        RSocketSource source = Transports.rsocket().webSocket(webSocket).events(sourceEvents).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            for (int round = 0; round < 2; round++) {
                Transports.rsocket().webSocket(webSocket).port(port).mode(mode).events(sinkEvents).sink()
                        .write(Flux.range(0, 10).map(i -> message(i, 18))).block(WAIT);
            }
            assertThat(got).hasSize(20);
            await(() -> atSource.size() == 4, "two opened and two closed events at the source, got " + atSource);
            // per connection (remote address): opened, then closed; the server may see the first
            // connection close after the second opened
            List<String> opened = atSource.stream().filter(e -> e instanceof ConnectionOpened)
                    .map(e -> ((ConnectionOpened) e).remote()).collect(java.util.stream.Collectors.toList());
            assertThat(opened).hasSize(2).doesNotHaveDuplicates().allSatisfy(r -> assertThat(r).startsWith("127.0.0.1:"));
            for (String remote : opened) {
                assertThat(atSource).containsSubsequence(new ConnectionOpened("rsocket", remote),
                        new ConnectionClosed("rsocket", remote));
            }
            assertThat(source.metrics().connectionsOpened()).isEqualTo(2);
            assertThat(source.metrics().connectionsActive()).isZero();

            assertThat(atSink).containsExactly(new ConnectionOpened("rsocket", "127.0.0.1:" + port),
                    new ConnectionClosed("rsocket", "127.0.0.1:" + port),
                    new ConnectionOpened("rsocket", "127.0.0.1:" + port),
                    new ConnectionClosed("rsocket", "127.0.0.1:" + port));
        } finally {
            running.dispose();
        }
    }

    @ParameterizedTest(name = "webSocket={0}")
    @ValueSource(booleans = {false, true})
    void oversizedPayloadFailsOnlyItsStreamOrConnectionAndOthersGoOn(boolean webSocket) throws InterruptedException {
        int max = 10_000;
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        RSocketSource source = Transports.rsocket().webSocket(webSocket).maxMessageSize(max).events(events).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            RSocketBuilder client = Transports.rsocket().webSocket(webSocket).port(port);
            // a long-lived channel from another client, open across both failures
            reactor.core.publisher.Mono<Void> otherClient = client.sink()
                    .write(Flux.range(0, 200).delayElements(Duration.ofMillis(5)).map(i -> message(i, 4266)))
                    .cache();
            otherClient.subscribe(x -> { }, e -> { });

            // data + metadata just over the limit (frame within the transport limit): that stream fails
            assertThatThrownBy(() -> client.sink().write(Flux.range(1000, 3).map(i -> message(i, max - 20))).block(WAIT))
                    .hasMessageContaining("exceeds maxMessageSize " + max);
            await(() -> errors.size() == 1, "the stream's ConnectionError");
            assertThat(errors.get(0).reason()).contains("bad payload").contains("exceeds maxMessageSize " + max);

            // a frame far over the limit: the transport refuses it and closes that connection
            assertThatThrownBy(() -> client.sink().write(Flux.just(message(2000, 79435))).block(WAIT))
                    .isNotNull();
            await(() -> errors.size() == 2, "the connection's ConnectionError");
            assertThat(errors.get(1).reason()).contains("connection closed")
                    .contains("maxMessageSize " + max).contains(Integer.toString(max + 64));
            assertThat(errors).extracting(ConnectionError::transport).containsOnly("rsocket");
            assertThat(source.metrics().errors()).isEqualTo(2);

            // the other client was not affected, and new clients are served
            otherClient.block(WAIT);
            client.sink().write(Flux.range(3000, 5).map(i -> message(i, max - 100))).block(WAIT);
            assertThat(got).hasSize(205);
            assertThat(got).noneMatch(m -> m.sequence() >= 1000 && m.sequence() < 3000);
            got.stream().filter(m -> m.sequence() < 1000).forEach(m -> assertIntact(m, 4266));
            got.stream().filter(m -> m.sequence() >= 3000).forEach(m -> assertIntact(m, max - 100));
        } finally {
            running.dispose();
        }
    }

    /**
     * Writes cancelled at varied moments while their connection is being set up leave no
     * connection open, and the source goes on serving. They also must not leak a buffer: a cancel
     * between rsocket-java's SETUP encoding and its client-setup step used to leak the SETUP frame
     * (see {@code Endpoints.connect}); this class's {@code NettyLeakCheck} fails it if one does.
     */
    @ParameterizedTest(name = "webSocket={0}")
    @ValueSource(booleans = {false, true})
    void writesCancelledWhileConnectingLeaveNoConnectionAndLeakNothing(boolean webSocket) throws InterruptedException {
        RSocketSource source = Transports.rsocket().webSocket(webSocket).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            RSocketSink sink = Transports.rsocket().webSocket(webSocket).port(port).sink();
            for (int i = 0; i < 200; i++) {
                Disposable write = sink.write(Flux.just(message(i, 18)).concatWith(Flux.never())).subscribe();
                java.util.concurrent.locks.LockSupport.parkNanos((i % 40) * 25_000L);
                write.dispose();
            }
            await(() -> sink.metrics().connectionsActive() == 0 && source.metrics().connectionsActive() == 0,
                    "every connection closed (sink " + sink.metrics().connectionsActive() + ", source "
                            + source.metrics().connectionsActive() + " active)");
            assertThat(sink.metrics().connectionsClosed()).isEqualTo(sink.metrics().connectionsOpened());

            Transports.rsocket().webSocket(webSocket).port(port).sink()
                    .write(Flux.range(10_000, 10).map(i -> message(i, 18))).block(WAIT);
            assertThat(got).filteredOn(m -> m.sequence() >= 10_000).hasSize(10)
                    .allSatisfy(m -> assertIntact(m, 18));
        } finally {
            running.dispose();
        }
    }

    @Test
    void maxMessageSizeIsValidated() {
        assertThatThrownBy(() -> Transports.rsocket().maxMessageSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Transports.rsocket().maxMessageSize((1 << 24) - 64))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Transports.rsocket().maxMessageSize).isEqualTo(1 << 20);
    }

    @Test
    void unknownMetadataFailsOnlyThatChannelAndTheConnectionGoesOn() throws InterruptedException {
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        RSocketSource source = Transports.rsocket().events(events).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        RSocket raw = null;
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            raw = RSocketConnector.create().connect(TcpClientTransport.create("127.0.0.1", port)).block(WAIT);
            RSocket r = raw;
            Payload garbage = DefaultPayload.create("data".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9, 9});
            assertThatThrownBy(() -> r.requestChannel(Flux.just(garbage)).blockLast(WAIT))
                    .hasMessageContaining("metadata of 3 bytes is neither Sluice's nor composite or routing metadata");
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0).reason()).startsWith("bad payload").contains("neither Sluice's");
            assertThat(errors.get(0).remote()).startsWith("127.0.0.1:");
            assertThat(source.metrics().errors()).isEqualTo(1);

            // a fire-and-forget with bad metadata is skipped and reported ({1, 2} alone would be
            // valid routing metadata: one tag of one byte; see Payloads)
            r.fireAndForget(DefaultPayload.create("x".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3})).block(WAIT);
            await(() -> errors.size() == 2, "the fire-and-forget's ConnectionError");
            assertThat(errors.get(1).reason()).contains("truncated meta frame");

            // the same connection opens a new channel with good payloads: it is served
            Message good = message(42, 6786);
            Payload answer = r.requestChannel(Flux.just(Payloads.toPayload(good))).blockLast(WAIT);
            assertThat(answer.getDataUtf8()).isEqualTo("1");
            answer.release();
            assertThat(r.isDisposed()).isFalse();
            assertThat(source.metrics().connectionsActive()).isEqualTo(1);
            // and so is another client
            Transports.rsocket().port(port).sink().write(Flux.range(0, 10).map(i -> message(i, 18))).block(WAIT);
            assertThat(got).hasSize(11);
            assertIntact(got.get(0), 6786);
        } finally {
            if (raw != null) {
                raw.dispose();
            }
            running.dispose();
        }
    }
}
