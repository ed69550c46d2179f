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

    private long awaitCount(Class<?> type, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (connections.stream().filter(type::isInstance).count() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(connections.stream().filter(type::isInstance).count()).as(type.getSimpleName()).isEqualTo(n);
        return System.nanoTime();
    }
}
