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
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.RoundTrip;
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

    /**
     * Four concurrent clients, every payload checked byte for byte and counted exactly once; 10,000
     * messages at 18 B, streaming and unary (one call each; about 5 s on 2 quiet cores under PARANOID
     * leak detection). The source is cancelled by the last message (RoundTrip takes
     * exactly the total), so the sinks completing without error also shows that a stop acknowledges
     * what the pipeline took.
     */
    @ParameterizedTest
    @CsvSource({"STREAM,18,2500", "STREAM,4266,250", "STREAM,6786,250", "STREAM,79435,50",
                "UNARY,18,2500", "UNARY,4266,100", "UNARY,6786,100", "UNARY,79435,25"})
    void roundTripFromFourConcurrentClientsIsByteExact(GrpcBuilder.Mode mode, int size, int perClient) {
        GrpcSource source = Transports.grpc().port(0).source();
        List<GrpcSink> sinks = new CopyOnWriteArrayList<>();
        RoundTrip.run(source, source::boundAddress, port -> {
            GrpcSink sink = Transports.grpc().port(port).mode(mode).sink();
            sinks.add(sink);
            return sink;
        }, 4, perClient, size);
        assertThat(sinks).hasSize(4).allSatisfy(s -> assertThat(s.metrics().messages()).isEqualTo(perClient));
        assertThat(source.metrics().bytes()).isEqualTo(4L * perClient * size);
    }

    /** Key, headers, sequence and timestamp survive the envelope, in both modes. */
    @ParameterizedTest
    @CsvSource({"STREAM,18", "STREAM,79435", "UNARY,18", "UNARY,79435"})
    void envelopeMetadataSurvivesTheRoundTrip(GrpcBuilder.Mode mode, int size) {
        int count = 50;
        GrpcSource source = Transports.grpc().port(0).source();
        List<Message> got = new CopyOnWriteArrayList<>();
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

    /** A subscriber that takes one message per {@link #step}, driven by the test. */
    static final class Slow extends BaseSubscriber<Message> {
        final List<Message> got = new CopyOnWriteArrayList<>();

        @Override
        protected void hookOnSubscribe(Subscription s) {
        }

        @Override
        protected void hookOnNext(Message m) {
            got.add(m);
        }

        int consumed() {
            return got.size();
        }

        /** Requests one more and waits (bounded) until {@code n} were consumed. */
        void step(int n) throws InterruptedException {
            request(1);
            awaitCount(this::consumed, n);
        }
    }

    static void awaitCount(java.util.function.IntSupplier count, int n) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (count.getAsInt() < n && System.nanoTime() < end) {
            Thread.sleep(2);
        }
        assertThat(count.getAsInt()).isGreaterThanOrEqualTo(n);
    }

    /**
     * Most messages a streaming sender can have handed to gRPC and the pipeline not yet consumed:
     * the overflow stage's buffer, the merge's per-call prefetch (queued) plus the demand requested
     * from that call (being read), what fits in the source's HTTP/2 flow-control window (plus one
     * partly in it), and two request messages on the client (gRPC's isReady turns false once a
     * message of this size is queued). With batches of {@code batch} messages, a request message is
     * a batch, and the source may hold one batch beyond the demand less one envelope.
     */
    static long outstandingBound(int capacity, int prefetch, int size, int batch) {
        int window = 1 << 20; // GrpcBuilder's default flowControlWindow
        return capacity + 2L * prefetch + window / (size + 5) + 1 + 2L * batch + (batch - 1);
    }

    /** Without and with batching (1 MiB batches: 13 messages of this size). */
    @ParameterizedTest
    @CsvSource({"1,65536", "256,1048576"})
    void aSlowBlockingPipelineBoundsWhatTheStreamingSenderHasOutstanding(int batchMessages, int batchBytes) throws Exception {
        int total = 200;
        int size = 79435;
        int prefetch = 4;
        int capacity = 4;
        GrpcSource source = Transports.grpc().prefetch(prefetch).source();
        Slow slow = new Slow();
        source.flux().transform(Overflow.<Message>block(capacity)).subscribe(slow);
        int port = source.boundAddress().block(WAIT).getPort();
        GrpcSink sink = Transports.grpc().port(port).batch(batchMessages, batchBytes).sink();
        Mono<Void> written = sink.write(Flux.range(0, total).map(i -> message(i, size))).cache();
        written.subscribe(x -> { }, e -> { });
        int perBatch = Math.max(1, Math.min(batchMessages, batchBytes / (size + 40)));
        long bound = outstandingBound(capacity, prefetch, size, perBatch);
        long max = 0;
        try {
            for (int i = 1; i <= 40; i++) {
                slow.step(i);
                Thread.sleep(5);
                max = Math.max(max, sink.metrics().messages() - slow.consumed());
            }
            assertThat(max).as("messages sent but not consumed (bound %d)", bound).isLessThanOrEqualTo(bound);
            assertThat(sink.metrics().messages()).as("sent while the pipeline was slow").isLessThan(total);
            slow.request(Long.MAX_VALUE);
            written.block(WAIT);
            awaitCount(slow::consumed, total);
        } finally {
            slow.dispose();
        }
        assertThat(slow.got).hasSize(total);
        for (int i = 0; i < total; i++) {
            assertThat(slow.got.get(i).sequence()).isEqualTo(i);
            assertIntact(slow.got.get(i), size);
        }
    }

    /** Drives an {@code Exchange} call with grpc-java's outbound flow control (isReady/onReady). */
    static final class ExchangeClient implements io.grpc.stub.ClientResponseObserver<Envelope, Ack> {
        final int total;
        final int size;
        final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        final List<Ack> acks = new CopyOnWriteArrayList<>();
        final Sinks.One<Status> closed = Sinks.one();
        private io.grpc.stub.ClientCallStreamObserver<Envelope> call;
        private boolean halfClosed;

        ExchangeClient(int total, int size) {
            this.total = total;
            this.size = size;
        }

        @Override
        public void beforeStart(io.grpc.stub.ClientCallStreamObserver<Envelope> requestStream) {
            call = requestStream;
            requestStream.setOnReadyHandler(this::pump);
        }

        synchronized void pump() {
            while (call.isReady() && sent.get() < total) {
                call.onNext(Envelopes.toEnvelope(message(sent.get(), size)));
                sent.incrementAndGet();
            }
            if (sent.get() == total && !halfClosed) {
                halfClosed = true;
                call.onCompleted();
            }
        }

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
    }

    @Test
    void aSlowBlockingPipelineBoundsWhatTheExchangeSenderHasOutstanding() throws Exception {
        int total = 200;
        int size = 79435;
        int prefetch = 4;
        int capacity = 4;
        GrpcSource source = Transports.grpc().prefetch(prefetch).source();
        Slow slow = new Slow();
        source.flux().transform(Overflow.<Message>block(capacity)).subscribe(slow);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ExchangeClient client = new ExchangeClient(total, size);
            IngestGrpc.newStub(ch).exchange(client);
            long bound = outstandingBound(capacity, prefetch, size, 1);
            long max = 0;
            for (int i = 1; i <= 40; i++) {
                slow.step(i);
                Thread.sleep(5);
                max = Math.max(max, client.sent.get() - slow.consumed());
                // acknowledged only once the pipeline's first stage took the envelope
                assertThat(client.acks.size()).isLessThanOrEqualTo(slow.consumed() + capacity);
            }
            assertThat(max).as("envelopes sent but not consumed (bound %d)", bound).isLessThanOrEqualTo(bound);
            slow.request(Long.MAX_VALUE);
            assertThat(client.closed.asMono().block(WAIT)).isEqualTo(Status.OK);
            awaitCount(slow::consumed, total);
            assertThat(client.acks).hasSize(total);
            assertThat(client.acks.get(total - 1).getCount()).isEqualTo(total);
            assertThat(client.acks.get(total - 1).getSequence()).isEqualTo(total - 1);
            for (int i = 0; i < total; i++) {
                assertIntact(slow.got.get(i), size);
            }
        } finally {
            slow.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void exchangeAcknowledgesAnEnvelopeOnlyWhenThePipelineTookIt() throws Exception {
        int total = 30;
        GrpcSource source = Transports.grpc().source();
        Slow slow = new Slow();
        source.flux().subscribe(slow);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            ExchangeClient client = new ExchangeClient(total, 18);
            IngestGrpc.newStub(ch).exchange(client);
            // all 30 fit in the source's prefetch: they are read before the pipeline asks for any
            awaitCount(() -> (int) source.metrics().messages(), total);
            assertThat(client.acks).as("acks before the pipeline took anything").isEmpty();
            // Positive control: each take produces exactly its ack (the i-th ack, count i,
            // sequence i - 1). Acks travel in order on the one stream, so an extra or duplicate
            // ack sent before take i's shows up as a list longer than i or a wrong i-th ack; one
            // sent after it shows up at the next take or in the final count.
            for (int i = 1; i <= 5; i++) {
                slow.step(i);
                awaitCount(client.acks::size, i);
                assertThat(client.acks).hasSize(i);
                assertThat(client.acks.get(i - 1).getCount()).isEqualTo(i);
                assertThat(client.acks.get(i - 1).getSequence()).isEqualTo(i - 1);
            }
            slow.request(Long.MAX_VALUE);
            assertThat(client.closed.asMono().block(WAIT)).isEqualTo(Status.OK);
            assertThat(client.acks).hasSize(total);
        } finally {
            slow.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSlowPipelineBoundsOutstandingUnaryCallsAndLosesNothingInBlockMode() throws Exception {
        int total = 300;
        int prefetch = 4;
        int capacity = 4;
        GrpcSource source = Transports.grpc().prefetch(prefetch).maxUnaryWait(Duration.ofSeconds(60)).source();
        Slow slow = new Slow();
        source.flux().transform(Overflow.<Message>block(capacity)).subscribe(slow);
        int port = source.boundAddress().block(WAIT).getPort();
        List<ManagedChannel> channels = List.of(
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(),
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
        try {
            List<Status> results = new CopyOnWriteArrayList<>();
            List<Ack> acks = new CopyOnWriteArrayList<>();
            // no client-side limit: all calls are started at once
            for (int i = 0; i < total; i++) {
                IngestGrpc.newStub(channels.get(i % 2)).send(Envelopes.toEnvelope(message(i, 4266)),
                        new io.grpc.stub.StreamObserver<>() {
                            public void onNext(Ack a) { acks.add(a); }
                            public void onError(Throwable t) { results.add(Status.fromThrowable(t)); }
                            public void onCompleted() { results.add(Status.OK); }
                        });
            }
            // read but not consumed: the overflow stage's buffer, the intake's prefetch (queued) and its demand
            long bound = capacity + 2L * prefetch + 1;
            long max = 0;
            for (int i = 1; i <= 40; i++) {
                slow.step(i);
                Thread.sleep(5);
                max = Math.max(max, source.metrics().messages() - slow.consumed());
                assertThat(acks.size()).isLessThanOrEqualTo(slow.consumed() + capacity);
            }
            assertThat(max).as("unary requests read but not consumed (bound %d)", bound).isLessThanOrEqualTo(bound);
            slow.request(Long.MAX_VALUE);
            awaitCount(results::size, total);
            assertThat(results).hasSize(total).allSatisfy(st -> assertThat(st.getCode()).isEqualTo(Status.Code.OK));
            assertThat(acks).hasSize(total).allSatisfy(a -> assertThat(a.getCount()).isEqualTo(1));
            awaitCount(slow::consumed, total);
            assertThat(slow.got.stream().map(Message::sequence).collect(Collectors.toSet())).hasSize(total);
            slow.got.forEach(m -> assertIntact(m, 4266));
        } finally {
            slow.dispose();
            for (ManagedChannel ch : channels) {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aUnaryCallThatWaitsTooLongForDemandGetsResourceExhaustedAndAnUntakenOneIsNotAcknowledged()
            throws Exception {
        GrpcSource source = Transports.grpc().prefetch(1).maxUnaryWait(Duration.ofMillis(300)).source();
        Slow none = new Slow();
        source.flux().subscribe(none);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            IngestGrpc.IngestFutureStub stub = IngestGrpc.newFutureStub(ch);
            var first = stub.send(Envelopes.toEnvelope(message(0, 18)));
            // the intake's one prefetched request: read, queued, but the pipeline asks for nothing
            awaitCount(() -> (int) source.metrics().messages(), 1);
            var second = stub.send(Envelopes.toEnvelope(message(1, 18)));
            assertThatThrownBy(() -> second.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> {
                        Status st = Status.fromThrowable(e.getCause());
                        assertThat(st.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(st.getDescription()).contains("no pipeline demand");
                    });
            assertThat(source.metrics().messages()).as("the waiting call's request was never read").isEqualTo(1);
            none.dispose();
            assertThatThrownBy(() -> first.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode())
                            .isEqualTo(Status.Code.UNAVAILABLE));
            assertThat(none.got).isEmpty();
        } finally {
            none.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Stop while a stream is open: what the pipeline already took stays acknowledged; a client that
     * then half-closes gets its normal answer, one that sends more gets UNAVAILABLE naming what got
     * through (the extra envelope is neither delivered nor acknowledged).
     */
    @ParameterizedTest
    @CsvSource({"SendStream,true", "SendStream,false", "Exchange,true", "Exchange,false"})
    void stoppingWithAStreamOpenDrainsIt(String method, boolean clientHalfCloses) throws Exception {
        int n = 20;
        GrpcSource source = Transports.grpc().source();
        List<Message> received = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(WAIT).getPort();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            MethodDescriptor<Envelope, Ack> md = method.equals("Exchange")
                    ? IngestGrpc.getExchangeMethod() : IngestGrpc.getSendStreamMethod();
            ClientCall<Envelope, Ack> call = ch.newCall(md, CallOptions.DEFAULT);
            List<Ack> acks = new CopyOnWriteArrayList<>();
            Sinks.One<Status> closed = Sinks.one();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(Ack message) {
                    acks.add(message);
                }

                @Override
                public void onClose(Status status, io.grpc.Metadata trailers) {
                    closed.tryEmitValue(status);
                }
            }, new io.grpc.Metadata());
            call.request(Integer.MAX_VALUE);
            for (int i = 0; i < n; i++) {
                call.sendMessage(Envelopes.toEnvelope(message(i, 6786)));
            }
            awaitCount(received::size, n);
            running.dispose();
            if (clientHalfCloses) {
                call.halfClose();
            } else {
                call.sendMessage(Envelopes.toEnvelope(message(n, 6786)));
            }
            Status status = closed.asMono().block(WAIT);
            if (clientHalfCloses) {
                assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.OK);
            } else {
                assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(status.getDescription()).contains("source stopped; " + n + " envelope(s)");
            }
            if (method.equals("Exchange")) {
                assertThat(acks).hasSize(n);
                assertThat(acks.get(n - 1).getCount()).isEqualTo(n);
            } else if (clientHalfCloses) {
                assertThat(acks).singleElement().satisfies(a -> {
                    assertThat(a.getCount()).isEqualTo(n);
                    assertThat(a.getSequence()).isEqualTo(n - 1);
                });
            } else {
                assertThat(acks).isEmpty();
            }
            assertThat(received).hasSize(n);
            received.forEach(m -> assertIntact(m, 6786));
        } finally {
            running.dispose();
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Oversized envelopes fail their call with RESOURCE_EXHAUSTED, streaming and unary, and the
     * source goes on (with prefetch 1 the failed unary call's demand must be given back, or the next
     * call would wait forever). Every client connection is published as opened and closed.
     */
    @Test
    void oversizedEnvelopeFailsThatCallWithResourceExhausted() throws Exception {
        EventDispatcher events = new EventDispatcher();
        List<ConnectionError> errors = new CopyOnWriteArrayList<>();
        List<ConnectionOpened> opened = new CopyOnWriteArrayList<>();
        List<ConnectionClosed> closed = new CopyOnWriteArrayList<>();
        events.on(ConnectionError.class, errors::add);
        events.on(ConnectionOpened.class, opened::add);
        events.on(ConnectionClosed.class, closed::add);
        GrpcSource source = Transports.grpc().maxMessageSize(10_000).prefetch(1).events(events).source();
        List<Message> received = new CopyOnWriteArrayList<>();
        Disposable running = source.flux().subscribe(received::add);
        int port = source.boundAddress().block(WAIT).getPort();
        // every mode with batching (the default), and the streaming modes without
        List<java.util.function.Supplier<GrpcSink>> sinks = new ArrayList<>();
        for (GrpcBuilder.Mode mode : GrpcBuilder.Mode.values()) {
            sinks.add(() -> Transports.grpc().port(port).mode(mode).sink());
        }
        sinks.add(() -> Transports.grpc().port(port).mode(GrpcBuilder.Mode.STREAM).batch(1, 1).sink());
        sinks.add(() -> Transports.grpc().port(port).mode(GrpcBuilder.Mode.EXCHANGE).batch(1, 1).sink());
        for (java.util.function.Supplier<GrpcSink> sink : sinks) {
            assertThatThrownBy(() -> sink.get().write(Flux.just(message(0, 79435))).block(WAIT))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        }
        Transports.grpc().port(port).mode(GrpcBuilder.Mode.UNARY).sink()
                .write(Flux.just(message(1, 4266))).block(WAIT);
        Transports.grpc().port(port).mode(GrpcBuilder.Mode.STREAM).sink()
                .write(Flux.just(message(2, 18))).block(WAIT);
        int modes = sinks.size();
        awaitCount(closed::size, modes + 2);
        running.dispose();
        assertThat(received).extracting(Message::sequence).containsExactly(1L, 2L);
        assertIntact(received.get(0), 4266);
        assertIntact(received.get(1), 18);
        assertThat(errors).hasSize(modes).allSatisfy(e -> assertThat(e.reason()).contains("RESOURCE_EXHAUSTED"));
        assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("/Send "))
                .anySatisfy(e -> assertThat(e.reason()).contains("/SendStream "))
                .anySatisfy(e -> assertThat(e.reason()).contains("/Exchange "))
                .anySatisfy(e -> assertThat(e.reason()).contains("/SendBatches "))
                .anySatisfy(e -> assertThat(e.reason()).contains("/ExchangeBatches "));
        assertThat(source.metrics().errors()).isEqualTo(modes);
        assertThat(opened).hasSize(modes + 2).allSatisfy(e -> {
            assertThat(e.transport()).isEqualTo("grpc");
            assertThat(e.remote()).contains("127.0.0.1");
        });
        assertThat(closed).hasSize(modes + 2).allSatisfy(e -> assertThat(e.transport()).isEqualTo("grpc"));
        assertThat(closed.stream().map(ConnectionClosed::remote).collect(Collectors.toSet()))
                .isEqualTo(opened.stream().map(ConnectionOpened::remote).collect(Collectors.toSet()));
        assertThat(source.metrics().connectionsOpened()).isEqualTo(modes + 2);
        assertThat(source.metrics().connectionsClosed()).isEqualTo(modes + 2);
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
