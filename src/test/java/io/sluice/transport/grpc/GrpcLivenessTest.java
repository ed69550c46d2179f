package io.sluice.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.Transports;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** gRPC liveness: a client connection without calls is closed after {@code idleTimeout} ({@code maxConnectionIdle}). */
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
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A peer that opened its HTTP/2 connection (preface and SETTINGS) and then answers nothing, not even
     * the server's keepalive PING, is closed within keepAliveTime + keepAliveTimeout + 1 s; a grpc-java
     * client, as silent at the call level but answering PINGs, stays connected and can call after.
     */
    @Test
    void aSilentPeerIsClosedByKeepaliveAndAPingAnsweringClientStays() throws Exception {
        Duration time = Duration.ofMillis(300);
        Duration timeout = Duration.ofMillis(500);
        GrpcSource source = Transports.grpc().idleTimeout(Duration.ZERO).keepAliveTime(time).keepAliveTimeout(timeout)
                .events(events).source();
        java.util.List<io.sluice.Message> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try (io.sluice.transport.SilentPeers peers = new io.sluice.transport.SilentPeers()) {
            assertThat(ch.getState(true)).isNotNull(); // connect, no call
            byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0}; // empty SETTINGS frame
            byte[] first = java.util.Arrays.copyOf(preface, preface.length + settings.length);
            System.arraycopy(settings, 0, first, preface.length, settings.length);
            io.sluice.transport.SilentPeers.Peer deaf = peers.open(port, first);
            Duration bound = time.plus(timeout).plusSeconds(1);
            assertThat(peers.awaitClosed(bound.plusSeconds(5))).isEmpty();
            assertThat(deaf.openFor()).as("closed within keepAliveTime + keepAliveTimeout + 1 s")
                    .isLessThanOrEqualTo(bound);
            assertThat(deaf.received()).as("the server pinged it (PING frame header)")
                    .contains(new String(new byte[] {0, 0, 8, 6, 0, 0, 0, 0, 0}, java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(ch.getState(false)).as("the grpc-java client answers PINGs").isEqualTo(ConnectivityState.READY);
            io.sluice.transport.grpc.proto.IngestGrpc.newBlockingStub(ch).send(io.sluice.transport.grpc.proto.Envelope
                    .newBuilder().setPayload(com.google.protobuf.ByteString.copyFromUtf8("after")).build());
            assertThat(got).extracting(io.sluice.Message::payloadUtf8).containsExactly("after");
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
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
