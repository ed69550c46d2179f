package io.sluice.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

@ExtendWith(NettyLeakCheck.class)
class GrpcTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    static byte[] payload(int index, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (index * 31 + i * 7 + (i >>> 8));
        }
        return b;
    }

    static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    static Message message(int index, int size) {
        return Message.builder().payload(payload(index, size)).sequence(index).key("k" + index)
                .header("idx", Integer.toString(index)).timestamp(1_700_000_000_000L + index).build();
    }

    static void assertIntact(Message m, int size) {
        int idx = Integer.parseInt(m.header("idx").orElseThrow());
        byte[] expected = payload(idx, size);
        assertThat(m.size()).isEqualTo(size);
        assertThat(crc(m.payload())).isEqualTo(crc(expected));
        assertThat(Arrays.equals(m.payload(), expected)).isTrue();
        assertThat(m.sequence()).isEqualTo(idx);
        assertThat(m.key()).contains("k" + idx);
        assertThat(m.timestamp()).isEqualTo(1_700_000_000_000L + idx);
    }

    @ParameterizedTest
    @CsvSource({"STREAM,18", "STREAM,4266", "STREAM,6786", "STREAM,79435",
                "UNARY,18", "UNARY,4266", "UNARY,6786", "UNARY,79435"})
    void roundTripIsByteExact(GrpcBuilder.Mode mode, int size) {
        int count = 200;
        GrpcSource source = Transports.grpc().port(0).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        // the source runs until the sink has its acknowledgements: cancelling a source aborts open calls
        Disposable running = source.flux().subscribe(got::add);
        int port = source.boundAddress().block(WAIT).getPort();
        GrpcSink sink = Transports.grpc().port(port).mode(mode).sink();
        sink.write(Flux.range(0, count).map(i -> message(i, size))).block(WAIT);
        running.dispose();
        assertThat(got).hasSize(count);
        got.forEach(m -> assertIntact(m, size));
        assertThat(got.stream().map(Message::sequence).collect(Collectors.toSet())).hasSize(count);
        assertThat(sink.metrics().messages()).isEqualTo(count);
        assertThat(source.metrics().bytes()).isEqualTo((long) count * size);
    }

    @Test
    void bidirectionalExchangeAcknowledgesEachEnvelope() throws Exception {
        GrpcSource source = Transports.grpc().source();
        List<Message> received = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            var requests = IngestGrpc.newStub(ch).exchange(new io.grpc.stub.StreamObserver<>() {
                public void onNext(Ack a) { acks.add(a); }
                public void onError(Throwable t) { done.countDown(); }
                public void onCompleted() { done.countDown(); }
            });
            for (int i = 0; i < 50; i++) {
                requests.onNext(Envelopes.toEnvelope(message(i, 6786)));
            }
            requests.onCompleted();
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(acks).hasSize(50);
            assertThat(acks.get(49).getCount()).isEqualTo(50);
            assertThat(acks.get(49).getSequence()).isEqualTo(49);
            assertThat(received).hasSize(50);
            received.forEach(m -> assertIntact(m, 6786));
        } finally {
            running.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void pipelineDemandTravelsBackToTheStreamingSender() throws Exception {
        int total = 300;
        int size = 79435;
        GrpcSource source = Transports.grpc().prefetch(4).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        BaseSubscriber<Message> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(3);
            }

            @Override
            protected void hookOnNext(Message m) {
                got.add(m);
            }
        };
        source.flux().subscribe(slow);
        int port = source.boundAddress().block(WAIT).getPort();
        GrpcSink sink = Transports.grpc().port(port).sink();
        Mono<Void> written = sink.write(Flux.range(0, total).map(i -> message(i, size))).cache();
        written.subscribe(x -> { }, e -> { });
        long end = System.nanoTime() + WAIT.toNanos();
        while (got.size() < 3 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        long last = -1;
        for (int i = 0; i < 100 && sink.metrics().messages() != last; i++) {
            last = sink.metrics().messages();
            Thread.sleep(500);
        }
        assertThat(got).hasSize(3);
        assertThat(sink.metrics().messages()).as("sent while the pipeline had no demand").isLessThan(total);
        slow.request(Long.MAX_VALUE);
        written.block(WAIT);
        end = System.nanoTime() + WAIT.toNanos();
        while (got.size() < total && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        slow.dispose();
        assertThat(got).hasSize(total);
        got.forEach(m -> assertIntact(m, size));
    }

    @Test
    void oversizedEnvelopeFailsThatCallWithResourceExhausted() {
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        GrpcSource source = Transports.grpc().maxMessageSize(10_000).events(events).source();
        List<Message> received = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(WAIT).getPort();
        assertThatThrownBy(() -> Transports.grpc().port(port).sink()
                .write(Flux.just(message(0, 79435))).block(WAIT))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        Transports.grpc().port(port).mode(GrpcBuilder.Mode.UNARY).sink()
                .write(Flux.just(message(1, 4266))).block(WAIT);
        running.dispose();
        assertThat(received).singleElement().satisfies(m -> assertIntact(m, 4266));
        assertThat(errors).isNotEmpty();
        assertThat(errors.get(0).reason()).contains("RESOURCE_EXHAUSTED");
        assertThat(source.metrics().errors()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void garbageBytesFailOnlyThatCall() throws Exception {
        GrpcSource source = Transports.grpc().source();
        List<Message> received = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            MethodDescriptor<byte[], byte[]> raw = IngestGrpc.getSendMethod().toBuilder(new Bytes(), new Bytes()).build();
            ClientCall<byte[], byte[]> call = ch.newCall(raw, CallOptions.DEFAULT);
            // field 1 (bytes) claiming 100 bytes but only 3 follow: not a valid Envelope
            byte[] garbage = {0x0a, 100, 1, 2, 3};
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(call, garbage))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .as(e.getStatus().toString())
                            .isEqualTo(Status.Code.INVALID_ARGUMENT));
            // the same channel and server keep working
            Ack ack = IngestGrpc.newBlockingStub(ch).send(Envelopes.toEnvelope(message(3, 18)));
            assertThat(ack.getCount()).isEqualTo(1);
            assertThat(received).singleElement().satisfies(m -> assertIntact(m, 18));
            assertThat(source.metrics().errors()).isEqualTo(1);
        } finally {
            running.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void garbageInAClientStreamFailsThatStreamWithInvalidArgumentAfterTheValidEnvelopes() throws Exception {
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        GrpcSource source = Transports.grpc().events(events).source();
        List<Message> received = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            MethodDescriptor<byte[], byte[]> raw = IngestGrpc.getSendStreamMethod().toBuilder(new Bytes(), new Bytes()).build();
            Sinks.One<Status> closed = Sinks.one();
            io.grpc.stub.StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
                    ch.newCall(raw, CallOptions.DEFAULT), new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(byte[] value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            closed.tryEmitValue(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            closed.tryEmitValue(Status.OK);
                        }
                    });
            requests.onNext(Envelopes.toEnvelope(message(0, 4266)).toByteArray());
            requests.onNext(Envelopes.toEnvelope(message(1, 18)).toByteArray());
            requests.onNext(new byte[] {0x0a, 100, 1, 2, 3});
            Status status = closed.asMono().block(WAIT);
            assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).contains("not a valid").contains("SendStream");
            // a second stream on the same server is unaffected
            Transports.grpc().port(port).sink().write(Flux.just(message(2, 6786))).block(WAIT);
            running.dispose();
            assertThat(received).extracting(Message::sequence).containsExactly(0L, 1L, 2L);
            assertIntact(received.get(0), 4266);
            assertIntact(received.get(1), 18);
            assertIntact(received.get(2), 6786);
            assertThat(source.metrics().errors()).isEqualTo(1);
            assertThat(errors).singleElement().satisfies(e -> assertThat(e.reason()).contains("INVALID_ARGUMENT"));
        } finally {
            running.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void cancellingTheSourceStopsTheServer() throws Exception {
        GrpcSource source = Transports.grpc().source();
        Disposable d = source.flux().subscribe();
        int port = source.boundAddress().block(WAIT).getPort();
        d.dispose();
        GrpcSink sink = Transports.grpc().port(port).sink();
        assertThatThrownBy(() -> sink.write(Flux.just(message(0, 18))).block(WAIT))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    /** Raw byte[] marshaller for sending arbitrary bytes. */
    static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
