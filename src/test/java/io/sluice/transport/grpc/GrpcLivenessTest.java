package io.sluice.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.SilentPeers;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * gRPC liveness: a client connection without calls is closed after {@code idleTimeout}
 * ({@code maxConnectionIdle}, reason {@code idle}); a peer answering no PING by keepalive (reason
 * {@code keepalive}); a peer that never finishes its handshake after {@code handshakeTimeout}.
 */
class GrpcLivenessTest {

    private final EventDispatcher events = new EventDispatcher();
    private final List<Object> connections = new CopyOnWriteArrayList<>();
    private Disposable running;

    GrpcLivenessTest() {
        events.on(ConnectionOpened.class, connections::add);
        events.on(ConnectionClosed.class, connections::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    @Test
    void aConnectionWithoutCallsIsClosedAfterIdleTimeout() throws Exception {
        GrpcSource source = Transports.grpc().idleTimeout(Duration.ofMillis(500)).events(events).source();
        running = source.flux().subscribe();
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ch.getState(true); // connect, no call
            long opened = awaitCount(ConnectionOpened.class, 1);
            long closedAt = awaitCount(ConnectionClosed.class, 1);
            assertThat(closedAt - opened).as("closed within idleTimeout + 1 s (ns)")
                    .isLessThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1500));
            assertThat(ch.getState(false)).isNotEqualTo(ConnectivityState.READY);
            assertThat(connections).filteredOn(ConnectionClosed.class::isInstance)
                    .extracting(e -> ((ConnectionClosed) e).reason()).containsExactly("idle");
            assertThat(source.metrics().closed("idle")).isEqualTo(1);
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A peer that opened its HTTP/2 connection (preface and SETTINGS) and then answers nothing, not even
     * the server's keepalive PING, is closed within keepAliveTime + keepAliveTimeout + 1 s with reason
     * {@code keepalive}; a grpc-java client, as silent at the call level but answering PINGs, stays
     * connected and can call after. (keepAliveTime is 10 s, grpc-java's smallest: it raises shorter ones.)
     */
    @Test
    void aSilentPeerIsClosedByKeepaliveAndAPingAnsweringClientStays() throws Exception {
        Duration time = GrpcBuilder.MIN_KEEPALIVE_TIME;
        Duration timeout = Duration.ofMillis(500);
        GrpcSource source = Transports.grpc().idleTimeout(Duration.ZERO).keepAliveTime(time).keepAliveTimeout(timeout)
                .events(events).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try (SilentPeers peers = new SilentPeers()) {
            assertThat(ch.getState(true)).isNotNull(); // connect, no call
            awaitCount(ConnectionOpened.class, 1);
            SilentPeers.Peer deaf = peers.open(port, prefaceAndSettings());
            Duration bound = time.plus(timeout).plusSeconds(1);
            assertThat(peers.awaitClosed(bound.plusSeconds(5))).isEmpty();
            assertThat(deaf.openFor()).as("closed within keepAliveTime + keepAliveTimeout + 1 s")
                    .isLessThanOrEqualTo(bound);
            assertThat(deaf.received()).as("the server pinged it (PING frame header)")
                    .contains(new String(new byte[] {0, 0, 8, 6, 0, 0, 0, 0, 0}, StandardCharsets.ISO_8859_1));
            awaitCount(ConnectionClosed.class, 1);
            assertThat(connections).filteredOn(ConnectionClosed.class::isInstance)
                    .extracting(e -> ((ConnectionClosed) e).reason()).containsExactly("keepalive");
            assertThat(source.metrics().closed("keepalive")).isEqualTo(1);
            assertThat(ch.getState(false)).as("the grpc-java client answers PINGs").isEqualTo(ConnectivityState.READY);
            IngestGrpc.newBlockingStub(ch).send(Envelope.newBuilder().setPayload(ByteString.copyFromUtf8("after")).build());
            assertThat(got).extracting(Message::payloadUtf8).containsExactly("after");
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** A peer that connects and never finishes the HTTP/2 handshake is closed within handshakeTimeout + 1 s. */
    @Test
    void aPeerThatNeverFinishesItsHandshakeIsClosedAfterHandshakeTimeout() throws Exception {
        Duration handshake = Duration.ofSeconds(1);
        GrpcSource source = Transports.grpc().idleTimeout(Duration.ZERO).handshakeTimeout(handshake)
                .events(events).source();
        running = source.flux().subscribe();
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        try (SilentPeers peers = new SilentPeers()) {
            SilentPeers.Peer mute = peers.open(port, new byte[0]);
            byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            SilentPeers.Peer noSettings = peers.open(port, preface);
            Duration bound = handshake.plusSeconds(1);
            assertThat(peers.awaitClosed(bound.plusSeconds(10))).isEmpty();
            assertThat(mute.openFor()).as("silent from the start").isLessThanOrEqualTo(bound);
            assertThat(noSettings.openFor()).as("preface without SETTINGS").isLessThanOrEqualTo(bound);
        }
        // the positive control: a grpc-java client finishes the handshake and calls
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            IngestGrpc.newBlockingStub(ch).send(Envelope.newBuilder().setPayload(ByteString.copyFromUtf8("ok")).build());
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        assertThat(connections).noneMatch(e -> e instanceof ConnectionClosed c && !c.reason().equals("closed"));
    }

    @Test
    void aKeepAliveTimeGrpcJavaWouldRaiseIsRefused() {
        assertThatThrownBy(() -> Transports.grpc().keepAliveTime(Duration.ofMillis(300)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 10s");
        assertThat(Transports.grpc().keepAliveTime(Duration.ZERO)).isNotNull();
    }

    private static byte[] prefaceAndSettings() {
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0}; // empty SETTINGS frame
        byte[] first = Arrays.copyOf(preface, preface.length + settings.length);
        System.arraycopy(settings, 0, first, preface.length, settings.length);
        return first;
    }

    private long awaitCount(Class<?> type, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connections.stream().filter(type::isInstance).count() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(connections.stream().filter(type::isInstance).count()).as(type.getSimpleName()).isEqualTo(n);
        return System.nanoTime();
    }
}
