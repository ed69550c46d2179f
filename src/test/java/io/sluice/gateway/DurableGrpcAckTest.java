package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC acknowledgements with a persistent stage mean durable: {@code Exchange} and {@code Send}
 * are acknowledged under {@code fsync: always} (positive control), and end with
 * {@code RESOURCE_EXHAUSTED} when the group commit never comes within {@code maxUnaryWait}
 * ({@code fsync: 1h}).
 */
class DurableGrpcAckTest {

    @TempDir
    Path tmp;

    private interface Client {
        void run(ManagedChannel ch) throws Exception;
    }

    private void withGateway(String fsync, Client client) throws Exception {
        int port = DurableGateways.freePort();
        Gateway g = DurableGateways.start("{type: grpc, host: 127.0.0.1, port: " + port + ", maxUnaryWait: 1s}",
                "{policy: persistent, path: '" + tmp.resolve("log-" + port) + "', fsync: " + fsync + "}",
                tmp.resolve("out-" + port));
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            client.run(ch);
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            g.stop().block(Duration.ofSeconds(10));
        }
    }

    private static Envelope envelope(int i) {
        return Envelope.newBuilder().setPayload(ByteString.copyFromUtf8("m-" + i)).setSequence(i).build();
    }

    /** Sends {@code n} envelopes on one Exchange; returns its acks and its end (null: OK). */
    private static Throwable exchange(ManagedChannel ch, int n, List<Ack> acks) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> end = new AtomicReference<>();
        StreamObserver<Envelope> requests = IngestGrpc.newStub(ch).exchange(new StreamObserver<>() {
            public void onNext(Ack a) {
                acks.add(a);
            }

            public void onError(Throwable t) {
                end.set(t);
                done.countDown();
            }

            public void onCompleted() {
                done.countDown();
            }
        });
        for (int i = 0; i < n; i++) {
            requests.onNext(envelope(i));
        }
        requests.onCompleted();
        assertThat(done.await(30, TimeUnit.SECONDS)).as("the call ended").isTrue();
        return end.get();
    }

    @Test
    void exchangeAndSendAreAcknowledgedOnceDurable() throws Exception {
        withGateway("always", ch -> {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            assertThat(exchange(ch, 50, acks)).isNull();
            assertThat(acks).hasSize(50);
            assertThat(acks.get(49).getCount()).isEqualTo(50);
            assertThat(IngestGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).send(envelope(99))
                    .getCount()).isEqualTo(1);
        });
        withGateway("10ms", ch -> {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            assertThat(exchange(ch, 200, acks)).isNull();
            assertThat(acks).hasSize(200);
            for (int i = 0; i < acks.size(); i++) {
                assertThat(acks.get(i).getCount()).as("acks in order").isEqualTo(i + 1);
            }
        });
    }

    @Test
    void notDurableInTimeIsResourceExhausted() throws Exception {
        withGateway("1h", ch -> {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            Throwable end = exchange(ch, 5, acks);
            assertThat(acks).as("nothing acknowledged before it is durable").isEmpty();
            assertThat(Status.fromThrowable(end).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(Status.fromThrowable(end).getDescription()).contains("not durable within");
            assertThatThrownBy(() -> IngestGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .send(envelope(7)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        });
    }
}
