package io.sluice.transport.rsocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.rsocket.RSocket;
import io.rsocket.core.RSocketConnector;
import io.rsocket.frame.FrameLengthCodec;
import io.rsocket.frame.SetupFrameCodec;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import io.rsocket.util.EmptyPayload;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.SilentPeers;
import io.sluice.transport.Transports;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * RSocket liveness: a peer that sent its SETUP (keepalive every 200 ms, max lifetime 1 s) and then
 * stops answering is closed by rsocket-java's keepalive check within the lifetime + 1 s, reported as
 * {@code ConnectionClosed} with reason {@code keepalive} and counted in
 * {@code sluice_transport_closed_total{reason="keepalive"}}; a real rsocket-java client with the same
 * settings, silent at the application level but sending its keepalive frames, stays connected.
 */
class RSocketLivenessTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration LIFETIME = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofSeconds(1);

    private final EventDispatcher events = new EventDispatcher();
    private final List<ConnectionClosed> closed = new CopyOnWriteArrayList<>();
    private final List<Message> received = new CopyOnWriteArrayList<>();
    private Disposable running;

    RSocketLivenessTest() {
        events.on(ConnectionClosed.class, closed::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    @Test
    void aPeerThatStopsAnsweringIsClosedByKeepaliveAndALiveOneStays() throws Exception {
        RSocketSource source = Transports.rsocket().mode(RSocketBuilder.Mode.FIRE_AND_FORGET).events(events).source();
        running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        RSocket live = RSocketConnector.create().keepAlive(INTERVAL, LIFETIME)
                .connect(TcpClientTransport.create("127.0.0.1", port)).block(Duration.ofSeconds(10));
        try (SilentPeers peers = new SilentPeers()) {
            SilentPeers.Peer deaf = peers.open(port, setupFrame());
            assertThat(peers.awaitClosed(LIFETIME.plus(SLACK).plusSeconds(5))).isEmpty();
            assertThat(deaf.openFor()).as("closed within max lifetime + 1 s").isLessThanOrEqualTo(LIFETIME.plus(SLACK));
            awaitTrue(() -> !closed.isEmpty());
            assertThat(closed).singleElement().satisfies(c -> {
                assertThat(c.remote()).endsWith(deaf.address());
                assertThat(c.reason()).isEqualTo("keepalive");
            });
            assertThat(source.metrics().closed("keepalive")).isEqualTo(1);
        }
        // the live client was as quiet at the application level all along, but kept its keepalives going
        live.fireAndForget(DefaultPayload.create("after")).block(Duration.ofSeconds(10));
        awaitTrue(() -> received.size() == 1);
        assertThat(received.get(0).payloadUtf8()).isEqualTo("after");
        assertThat(closed).hasSize(1);
        assertThat(live.isDisposed()).isFalse();
        live.dispose();
    }

    /** A SETUP frame with TCP length prefix, as rsocket-java's client sends it. */
    private static byte[] setupFrame() {
        ByteBuf setup = SetupFrameCodec.encode(ByteBufAllocator.DEFAULT, false, (int) INTERVAL.toMillis(),
                (int) LIFETIME.toMillis(), "application/binary", "application/binary", EmptyPayload.INSTANCE);
        ByteBuf framed = FrameLengthCodec.encode(ByteBufAllocator.DEFAULT, setup.readableBytes(), setup);
        try {
            return ByteBufUtil.getBytes(framed);
        } finally {
            framed.release();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
