package io.sluice.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

/** The gRPC source's {@code maxConnections}: one client connection beyond it is refused, the others go on. */
@ExtendWith(NettyLeakCheck.class)
class GrpcConnectionLimitTest {

    private final EventDispatcher events = new EventDispatcher();
    private final Queue<Object> seen = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Disposable running;

    GrpcConnectionLimitTest() {
        events.on(Object.class, seen::add);
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel ch : channels) {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (running != null) {
            running.dispose();
        }
    }

    private ManagedChannel channel(int port) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(ch);
        return ch;
    }

    private static Ack send(ManagedChannel ch, String text) {
        Envelope e = Envelope.newBuilder().setPayload(ByteString.copyFrom(text, StandardCharsets.UTF_8)).build();
        return IngestGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).send(e);
    }

    private String next() throws InterruptedException {
        Message m = received.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("message received in time").isNotNull();
        return m.payloadUtf8();
    }

    private long count(Class<?> type) {
        return seen.stream().filter(type::isInstance).count();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    @Timeout(60)
    void aThirdConnectionBeyondTwoIsRefusedWithAnEventAndTheOthersKeepWorking() throws Exception {
        GrpcSource source = Transports.grpc().maxConnections(2).events(events).source();
        running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(java.time.Duration.ofSeconds(10)).getPort();

        ManagedChannel a = channel(port);
        ManagedChannel b = channel(port);
        assertThat(send(a, "a1").getCount()).isEqualTo(1);
        assertThat(send(b, "b1").getCount()).isEqualTo(1);
        assertThat(List.of(next(), next())).containsExactlyInAnyOrder("a1", "b1");
        assertThat(source.metrics().connectionsActive()).isEqualTo(2);

        // the third connection: refused, its call ends UNAVAILABLE and nothing it sent is read
        ManagedChannel c = channel(port);
        assertThatThrownBy(() -> send(c, "c1")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("connection limit reached (2)");
        });
        assertThat(seen).filteredOn(ConnectionError.class::isInstance).map(ConnectionError.class::cast)
                .singleElement().satisfies(e -> assertThat(e.reason()).contains("connection limit reached (2)"));
        assertThat(count(ConnectionOpened.class)).as("opened: only the admitted two").isEqualTo(2);
        assertThat(source.metrics().connectionsActive()).isEqualTo(2);
        assertThat(source.metrics().errors()).isEqualTo(1);

        // the admitted connections keep working
        assertThat(send(a, "a2").getCount()).isEqualTo(1);
        assertThat(send(b, "b2").getCount()).isEqualTo(1);
        assertThat(List.of(next(), next())).containsExactlyInAnyOrder("a2", "b2");
        assertThat(received).as("nothing of the refused connection").isEmpty();

        // closing the refused connection does not free a slot; closing an admitted one does
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        a.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        await(() -> count(ConnectionClosed.class) == 1 && source.metrics().connectionsActive() == 1,
                "one ConnectionClosed for the admitted connection that closed");
        ManagedChannel d = channel(port);
        assertThat(send(d, "d1").getCount()).isEqualTo(1);
        assertThat(next()).isEqualTo("d1");
        assertThat(count(ConnectionOpened.class)).isEqualTo(3);
        assertThat(count(ConnectionClosed.class)).as("the refused connection was never opened").isEqualTo(1);
        assertThat(source.metrics().errors()).isEqualTo(1);
    }
}
