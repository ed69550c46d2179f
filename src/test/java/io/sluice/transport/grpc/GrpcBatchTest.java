package io.sluice.transport.grpc;

import static io.sluice.transport.grpc.GrpcTransportTest.assertIntact;
import static io.sluice.transport.grpc.GrpcTransportTest.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.sluice.Message;
import io.sluice.gateway.GatewayConfig;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Transports;
import io.sluice.transport.grpc.proto.Ack;
import io.sluice.transport.grpc.proto.Batch;
import io.sluice.transport.grpc.proto.Envelope;
import io.sluice.transport.grpc.proto.IngestGrpc;
import io.sluice.transport.spi.EndpointContext;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The batch methods ({@code SendBatches}, {@code ExchangeBatches}): Sluice's sink to Sluice's source,
 * the sink's packing seen by a plain grpc-java server, and the source fed by a plain grpc-java client.
 */
@ExtendWith(NettyLeakCheck.class)
class GrpcBatchTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private Server server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Batches (the default), with their headers, key, sequence and timestamp, in order; exchange acknowledges each. */
    @ParameterizedTest
    @CsvSource({"STREAM,18,3000", "STREAM,79435,60", "EXCHANGE,18,3000", "EXCHANGE,6786,300"})
    void aBatchRoundTripIsByteExactWithItsMetadata(GrpcBuilder.Mode mode, int size, int count) {
        GrpcSource source = Transports.grpc().source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            GrpcSink sink = Transports.grpc().port(port).mode(mode).sink();
            AtomicInteger acked = new AtomicInteger();
            sink.write(Flux.range(0, count).map(i -> message(i, size).withAck(acked::incrementAndGet))).block(WAIT);
            assertThat(got).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(got.get(i).sequence()).isEqualTo(i);
                assertIntact(got.get(i), size);
            }
            assertThat(acked).as("acknowledged by the server's Acks").hasValue(mode == GrpcBuilder.Mode.EXCHANGE ? count : 0);
            assertThat(sink.metrics().messages()).isEqualTo(count);
            assertThat(source.metrics().bytes()).isEqualTo((long) count * size);
        } finally {
            running.dispose();
        }
    }

    /** What a plain grpc-java server got: every batch within maxMessages and maxBytes, an oversize envelope alone. */
    @Test
    void aSinkSplitsItsBatchesAtMaxMessagesAndMaxBytes() throws Exception {
        List<Batch> batches = new CopyOnWriteArrayList<>();
        int port = startServer(batches, true);
        int maxMessages = 16;
        int maxBytes = 20_000;
        int[] sizes = IntStream.range(0, 300).map(i -> i == 150 ? 30_000 : (i * 997) % 9_000 + 1).toArray();
        List<Message> sent = IntStream.range(0, sizes.length).mapToObj(i -> message(i, sizes[i])).toList();
        Transports.grpc().port(port).batch(maxMessages, maxBytes).sink().write(Flux.fromIterable(sent)).block(WAIT);
        List<Envelope> got = new ArrayList<>();
        for (Batch b : batches) {
            assertThat(b.getEnvelopesCount()).isBetween(1, maxMessages);
            if (b.getEnvelopesCount() > 1) {
                assertThat(b.getSerializedSize()).isLessThanOrEqualTo(maxBytes);
            } else {
                assertThat(b.getSerializedSize()).isLessThanOrEqualTo(b.getEnvelopes(0).getSerializedSize() + 6);
            }
            got.addAll(b.getEnvelopesList());
        }
        assertThat(got).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertThat(Envelopes.toMessage(got.get(i))).isEqualTo(sent.get(i));
        }
        assertThat(batches).as("several messages per batch").anySatisfy(b -> assertThat(b.getEnvelopesCount()).isGreaterThan(1));
        assertThat(batches).as("the envelope over maxBytes alone").anySatisfy(b -> {
            assertThat(b.getEnvelopesCount()).isEqualTo(1);
            assertThat(b.getEnvelopes(0).getSequence()).isEqualTo(150);
        });
    }

    /** Batches under maxBytes fit a source whose maxMessageSize 100 such messages in one batch would exceed. */
    @Test
    void batchesSplitAtMaxBytesFitTheServersMessageLimit() {
        GrpcSource source = Transports.grpc().maxMessageSize(64 << 10).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            Transports.grpc().port(port).batch(256, 60_000).sink()
                    .write(Flux.range(0, 400).map(i -> message(i, 4266))).block(WAIT);
            assertThat(got).hasSize(400);
            got.forEach(m -> assertIntact(m, 4266));
        } finally {
            running.dispose();
        }
    }

    /** Batches over a source's small maxMessageSize fail the call, and the error says which setting to lower. */
    @Test
    void aBatchOverTheServersLimitNamesTheSetting() {
        GrpcSource source = Transports.grpc().maxMessageSize(8192).source();
        Disposable running = source.flux().subscribe();
        try {
            int port = source.boundAddress().block(WAIT).getPort();
            assertThatThrownBy(() -> Transports.grpc().port(port).sink()
                    .write(Flux.range(0, 50).map(i -> message(i, 1024))).block(WAIT))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).contains("exceeds maximum size 8192")
                                .contains("batch maxBytes below the server's maxMessageSize");
                    });
        } finally {
            running.dispose();
        }
    }

    /** A plain grpc-java client: batches of 3, 0 and 2 envelopes; one Ack of 5 (SendBatches), or one per batch (ExchangeBatches). */
    @ParameterizedTest
    @CsvSource({"false", "true"})
    void theSourceTakesBatchesFromAPlainGrpcClient(boolean exchange) throws Exception {
        GrpcSource source = Transports.grpc().source();
        List<Message> got = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(got::add);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", source.boundAddress().block(WAIT).getPort())
                .usePlaintext().build();
        try {
            List<Ack> acks = new CopyOnWriteArrayList<>();
            Sinks.One<Status> closed = Sinks.one();
            StreamObserver<Ack> answers = new StreamObserver<>() {
                @Override
                public void onNext(Ack value) {
                    acks.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    closed.tryEmitValue(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    closed.tryEmitValue(Status.OK);
                }
            };
            IngestGrpc.IngestStub stub = IngestGrpc.newStub(ch);
            StreamObserver<Batch> call = exchange ? stub.exchangeBatches(answers) : stub.sendBatches(answers);
            call.onNext(batch(0, 3));
            call.onNext(Batch.getDefaultInstance());
            call.onNext(batch(3, 2));
            call.onCompleted();
            assertThat(closed.asMono().block(WAIT)).isEqualTo(Status.OK);
            assertThat(got).extracting(Message::sequence).containsExactly(0L, 1L, 2L, 3L, 4L);
            got.forEach(m -> assertIntact(m, 300));
            if (exchange) {
                assertThat(acks).extracting(Ack::getCount).containsExactly(3L, 5L);
            } else {
                assertThat(acks).extracting(Ack::getCount).containsExactly(5L);
            }
            assertThat(acks.get(acks.size() - 1).getSequence()).isEqualTo(4);
        } finally {
            running.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** A server with SendStream only: the batching sink's UNIMPLEMENTED says what to do; batch maxMessages 1 works. */
    @Test
    void aServerWithoutTheBatchMethodsGetsOneEnvelopePerMessageWhenBatchingIsOff() throws Exception {
        List<Batch> received = new CopyOnWriteArrayList<>();
        int port = startServer(received, false);
        assertThatThrownBy(() -> Transports.grpc().port(port).sink().write(Flux.just(message(0, 18))).block(WAIT))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription()).contains("SendBatches").contains("maxMessages 1");
                });
        Transports.grpc().port(port).batch(1, 1).sink().write(Flux.range(0, 20).map(i -> message(i, 18))).block(WAIT);
        assertThat(received).hasSize(20).allSatisfy(b -> assertThat(b.getEnvelopesCount()).isEqualTo(1));
    }

    /** YAML: {@code batch: {maxMessages: 1}} speaks SendStream; {@code maxMessages}/{@code maxBytes} bound the batches. */
    @Test
    void theYamlBatchOptionConfiguresTheSink() throws Exception {
        List<Batch> plain = new CopyOnWriteArrayList<>();
        int plainPort = startServer(plain, false);
        yamlSink("{type: grpc, port: " + plainPort + ", batch: {maxMessages: 1}}")
                .write(Flux.range(0, 10).map(i -> message(i, 18))).block(WAIT);
        assertThat(plain).hasSize(10);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        List<Batch> batches = new CopyOnWriteArrayList<>();
        int port = startServer(batches, true);
        yamlSink("{type: grpc, port: " + port + ", mode: exchange, batch: {maxMessages: 4, maxBytes: 1KiB}}")
                .write(Flux.range(0, 100).map(i -> message(i, 100))).block(WAIT);
        assertThat(batches.stream().mapToInt(Batch::getEnvelopesCount).sum()).isEqualTo(100);
        assertThat(batches).allSatisfy(b -> assertThat(b.getEnvelopesCount()).isBetween(1, 4))
                .anySatisfy(b -> assertThat(b.getEnvelopesCount()).isEqualTo(4));
        assertThatThrownBy(() -> yamlSink("{type: grpc, port: 1, batch: {maxMessages: 0}}"))
                .hasMessageContaining("batch.maxMessages");
    }

    private static io.sluice.pipeline.Sink<Message> yamlSink(String sink) throws Exception {
        GatewayConfig c = GatewayConfig.parse("pipelines:\n  - source: {type: generator, count: 1}\n    sink: " + sink + "\n");
        return c.pipelines().get(0).sink().sink(new EndpointContext("p", null, new ByteArrayOutputStream()));
    }

    private static Batch batch(int first, int n) {
        Batch.Builder b = Batch.newBuilder();
        for (int i = first; i < first + n; i++) {
            b.addEnvelopes(Envelopes.toEnvelope(message(i, 300)));
        }
        return b.build();
    }

    /**
     * A plain grpc-java server recording what it got: each SendBatches / ExchangeBatches request as is,
     * each SendStream / Exchange envelope as a batch of one; without {@code batches} it has only
     * SendStream (grpc-java answers the other methods UNIMPLEMENTED).
     */
    private int startServer(List<Batch> got, boolean batches) throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new IngestGrpc.IngestImplBase() {
                    @Override
                    public StreamObserver<Envelope> sendStream(StreamObserver<Ack> answers) {
                        return recorder(e -> Batch.newBuilder().addEnvelopes(e).build(), got, answers, false);
                    }

                    @Override
                    public StreamObserver<Batch> sendBatches(StreamObserver<Ack> answers) {
                        return batches ? recorder(b -> b, got, answers, false) : super.sendBatches(answers);
                    }

                    @Override
                    public StreamObserver<Batch> exchangeBatches(StreamObserver<Ack> answers) {
                        return batches ? recorder(b -> b, got, answers, true) : super.exchangeBatches(answers);
                    }
                }).build().start();
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    private static <Q> StreamObserver<Q> recorder(java.util.function.Function<Q, Batch> asBatch, List<Batch> got,
                                                  StreamObserver<Ack> answers, boolean ackEach) {
        return new StreamObserver<>() {
            private long count;

            @Override
            public void onNext(Q request) {
                Batch b = asBatch.apply(request);
                got.add(b);
                count += b.getEnvelopesCount();
                if (ackEach) {
                    answers.onNext(Ack.newBuilder().setCount(count).build());
                }
            }

            @Override
            public void onError(Throwable t) {
                // the client went away: nothing to answer
            }

            @Override
            public void onCompleted() {
                if (!ackEach) {
                    answers.onNext(Ack.newBuilder().setCount(count).build());
                }
                answers.onCompleted();
            }
        };
    }
}
