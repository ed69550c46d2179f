package io.sluice.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.ConnectionOpened;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowException;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Sink;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Payloads;
import io.sluice.transport.RoundTrip;
import io.sluice.transport.Transports;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

@ExtendWith(NettyLeakCheck.class)
class HttpTransportTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final EventDispatcher events = new EventDispatcher();
    private final List<ConnectionError> errors = new CopyOnWriteArrayList<>();
    private final List<Object> connections = new CopyOnWriteArrayList<>();
    private Disposable running;
    private PipelineHandle pipeline;

    HttpTransportTest() {
        events.on(ConnectionError.class, errors::add);
        events.on(ConnectionOpened.class, connections::add);
        events.on(ConnectionClosed.class, connections::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
        if (pipeline != null) {
            pipeline.cancel();
        }
    }

    /** Waits (bounded, 10 s) for {@code condition}; the caller asserts it afterwards. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @ParameterizedTest(name = "{0} B x {1} x {2} clients")
    @CsvSource({"18, 1000, 4", "4266, 125, 4", "6786, 125, 4", "79435, 125, 4"})
    void roundTrip(int size, int perClient, int clients) {
        HttpSource source = Transports.http().events(events).source();
        RoundTrip.run(source, source::boundAddress, port -> Transports.http().port(port).sink(),
                clients, perClient, size);
        assertThat(source.metrics().messages()).isEqualTo((long) clients * perClient);
        assertThat(errors).isEmpty();
    }

    /** A subscriber that requests nothing until the test calls {@code request}: a stalled pipeline. */
    private static BaseSubscriber<Message> withoutDemand(java.util.Collection<Message> into) {
        return new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                // no demand until the test requests
            }

            @Override
            protected void hookOnNext(Message m) {
                into.add(m);
            }
        };
    }

    private int start(HttpSource source, BlockingQueue<Message> into) {
        running = source.flux().subscribe(into::add);
        return source.boundAddress().block(T).getPort();
    }

    private static int status(HttpClient.RequestSender req, byte[] body) {
        return req.send(Mono.just(Unpooled.wrappedBuffer(body)))
                .responseSingle((res, b) -> b.asByteArray().then(Mono.just(res.status().code())))
                .block(T);
    }

    @Test
    void keyAndContentTypeBecomeMessageFields() throws Exception {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        int port = start(Transports.http().path("/in").source(), got);
        Message m = Message.builder().payload("hello".getBytes()).key("k1").header("content-type", "text/plain").build();
        Transports.http().port(port).path("/in").sink().write(Flux.just(m)).block(T);
        Message r = got.poll(10, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.payloadUtf8()).isEqualTo("hello");
        assertThat(r.key()).contains("k1");
        assertThat(r.header("content-type")).contains("text/plain");
    }

    @Test
    void wrongPathMethodAndOversizedBodyAreRejected() throws Exception {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        HttpSource source = Transports.http().maxBodySize(1024).events(events).source();
        int port = start(source, got);
        HttpClient client = HttpClient.create().host("127.0.0.1").port(port);
        assertThat(status(client.post().uri("/other"), new byte[1])).isEqualTo(404);
        assertThat(client.get().uri("/ingest").responseSingle((res, b) -> b.asByteArray()
                .then(Mono.just(res.status().code()))).block(T)).isEqualTo(405);
        assertThat(status(client.post().uri("/ingest"), new byte[1025])).isEqualTo(413);
        assertThat(status(client.post().uri("/ingest"), new byte[1024])).isEqualTo(202);
        // chunked body without Content-Length, over the maximum
        int chunked = client.post().uri("/ingest")
                .send(Flux.range(0, 4).map(i -> Unpooled.wrappedBuffer(new byte[400])))
                .responseSingle((res, b) -> b.asByteArray().then(Mono.just(res.status().code())))
                .block(T);
        assertThat(chunked).isEqualTo(413);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.size()).isEqualTo(1024);
        assertThat(got).isEmpty();
        assertThat(errors).extracting(ConnectionError::reason).hasSize(4)
                .anySatisfy(r -> assertThat(r).contains("404"))
                .anySatisfy(r -> assertThat(r).contains("405"))
                .filteredOn(r -> r.contains("413")).hasSize(2);
        StepVerifier.create(Transports.http().port(port).path("/nope").sink().write(Flux.just(Message.ofUtf8("x"))))
                .expectErrorSatisfies(e -> assertThat(((HttpStatusException) e).status()).isEqualTo(404))
                .verify(T);
    }

    @Test
    void connectionsBeyondTheLimitAreClosedWithAnEvent() throws Exception {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        HttpSource source = Transports.http().maxConnections(1).events(events).source();
        int port = start(source, got);
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", port)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (source.metrics().connectionsActive() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (java.net.Socket refused = new java.net.Socket("127.0.0.1", port)) {
                refused.setSoTimeout(10_000);
                int read;
                try {
                    read = refused.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertThat(read).isEqualTo(-1);
            }
            assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("connection limit"));
            assertThat(source.metrics().connectionsActive()).isEqualTo(1);
        }
    }

    @Test
    void fullHandoffAnswers503AndNothingAcceptedIsLost() {
        HttpSource source = Transports.http().handoffCapacity(2).acceptTimeout(Duration.ZERO).events(events).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        BaseSubscriber<Message> stalled = withoutDemand(got);
        source.flux().subscribe(stalled);
        running = stalled;
        int port = source.boundAddress().block(T).getPort();
        HttpSink sink = Transports.http().port(port).concurrency(1).sink();
        StepVerifier.create(sink.write(Payloads.messages(0, 10, 32)))
                .expectErrorSatisfies(e -> assertThat(((HttpStatusException) e).status()).isEqualTo(503))
                .verify(T);
        assertThat(sink.metrics().messages()).isEqualTo(2);
        assertThat(source.metrics().messages()).isEqualTo(2);
        assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("503"));
        stalled.request(10);
        assertThat(got).hasSize(2);
        assertThat(got.get(0).payload()).isEqualTo(Payloads.payload(0, 0, 32));
        assertThat(got.get(1).payload()).isEqualTo(Payloads.payload(0, 1, 32));
    }

    @Test
    void requestWaitsForRoomUntilTheAcceptTimeout() throws Exception {
        HttpSource source = Transports.http().handoffCapacity(1).acceptTimeout(Duration.ofMillis(300))
                .events(events).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        BaseSubscriber<Message> stalled = withoutDemand(got);
        source.flux().subscribe(stalled);
        running = stalled;
        int port = source.boundAddress().block(T).getPort();
        HttpClient client = HttpClient.create().host("127.0.0.1").port(port);
        assertThat(status(client.post().uri("/ingest"), new byte[] {1})).isEqualTo(202);
        // no room and nobody takes: answered 503 once the wait is over
        assertThat(status(client.post().uri("/ingest"), new byte[] {2})).isEqualTo(503);
        assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("no room").contains("503"));
        // a waiting request is answered 202 as soon as the pipeline takes a message
        HttpSource patient = Transports.http().handoffCapacity(1).events(events).source();
        BlockingQueue<Message> taken = new LinkedBlockingQueue<>();
        BaseSubscriber<Message> slow = withoutDemand(taken);
        patient.flux().subscribe(slow);
        try {
            HttpClient c2 = HttpClient.create().host("127.0.0.1").port(patient.boundAddress().block(T).getPort());
            assertThat(status(c2.post().uri("/ingest"), new byte[] {3})).isEqualTo(202);
            // on a connection of its own, so its arrival is observable (connectionsOpened)
            HttpClient c3 = HttpClient.newConnection().host("127.0.0.1").port(patient.boundAddress().block(T).getPort());
            Mono<Integer> waiting = c3.post().uri("/ingest").send(Mono.fromCallable(() -> Unpooled.wrappedBuffer(new byte[] {4})))
                    .responseSingle((res, b) -> b.asByteArray().then(Mono.just(res.status().code())))
                    .cache();
            waiting.subscribe(x -> { }, e -> { });
            await(() -> patient.metrics().connectionsOpened() >= 2);
            assertThat(patient.metrics().connectionsOpened()).isEqualTo(2);
            assertThat(patient.metrics().messages()).as("second request accepted although the hand-off is full").isEqualTo(1);
            assertThat(waiting.toFuture().isDone()).as("second request answered although the hand-off is full").isFalse();
            // positive control: once the pipeline takes a message, the waiting request is accepted
            slow.request(1);
            assertThat(waiting.block(T)).isEqualTo(202);
            assertThat(patient.metrics().messages()).isEqualTo(2);
            slow.request(1);
            assertThat(taken.poll(10, TimeUnit.SECONDS).payload()).containsExactly(3);
            assertThat(taken.poll(10, TimeUnit.SECONDS).payload()).containsExactly(4);
        } finally {
            slow.dispose();
        }
    }

    @Test
    void failOverflowInThePipelineAnswers503ForTheDroppedMessage() throws Exception {
        HttpSource source = Transports.http().events(events).source();
        Sinks.Empty<Void> gate = Sinks.empty();
        List<Message> delivered = new CopyOnWriteArrayList<>();
        Sink<Message> stuck = flux -> flux
                .concatMapDelayError(m -> gate.asMono().then(Mono.fromRunnable(() -> delivered.add(m))), 1)
                .then();
        pipeline = Pipeline.from(source).overflow(Overflow.<Message>fail(4)).to(stuck).start();
        int port = source.boundAddress().block(T).getPort();
        HttpSink sink = Transports.http().port(port).concurrency(1).sink();
        StepVerifier.create(sink.write(Payloads.messages(0, 20, 32)))
                .expectErrorSatisfies(e -> assertThat(((HttpStatusException) e).status()).isEqualTo(503))
                .verify(T);
        long accepted = sink.metrics().messages();
        // the fail stage holds 4, the stuck sink 1 or 2: the next one overflowed
        assertThat(accepted).isBetween(5L, 7L);
        assertThat(source.metrics().messages()).isEqualTo(accepted);
        assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("refused").contains("503"));
        gate.tryEmitEmpty();
        StepVerifier.create(pipeline.done()).expectError(OverflowException.class).verify(T);
        // every accepted message reached the sink, in order; the refused one did not
        assertThat(delivered).hasSize((int) accepted);
        for (int i = 0; i < accepted; i++) {
            assertThat(delivered.get(i).payload()).isEqualTo(Payloads.payload(0, i, 32));
        }
    }

    @Test
    void gracefulStopDeliversEveryAcceptedMessageAndRefusesTheRest() throws Exception {
        int handoff = 8;
        HttpSource source = Transports.http().handoffCapacity(handoff).events(events).source();
        Sinks.Empty<Void> gate = Sinks.empty();
        List<Message> delivered = new CopyOnWriteArrayList<>();
        Sink<Message> stuck = flux -> flux
                .concatMap(m -> gate.asMono().then(Mono.fromRunnable(() -> delivered.add(m))), 1)
                .then();
        pipeline = Pipeline.from(source).overflow(Overflow.<Message>block(2)).to(stuck).start();
        int port = source.boundAddress().block(T).getPort();
        List<Throwable> clientErrors = new CopyOnWriteArrayList<>();
        Mono<Void> clients = Flux.range(0, 4)
                .flatMap(c -> Transports.http().port(port).concurrency(4).sink()
                        .write(Payloads.messages(c, 10, 32))
                        .onErrorResume(e -> {
                            clientErrors.add(e);
                            return Mono.empty();
                        }), 4)
                .then()
                .cache();
        clients.subscribe();
        // the stuck sink holds one, block(2) two, the hand-off 8: then requests wait for room
        await(() -> source.waitingRequests() > 0);
        long acceptedBeforeStop = source.metrics().messages();
        assertThat(acceptedBeforeStop).as("accepted (202) before the stop").isGreaterThanOrEqualTo(handoff);
        assertThat(source.waitingRequests()).isPositive();

        Mono<Void> stopped = pipeline.stop(Duration.ofSeconds(30));
        gate.tryEmitEmpty();
        StepVerifier.create(stopped).verifyComplete();
        clients.block(T);

        long accepted = source.metrics().messages();
        assertThat(accepted).isGreaterThanOrEqualTo(acceptedBeforeStop);
        // every message answered 202 reached the sink, once; nothing else did
        assertThat(delivered).hasSize((int) accepted);
        assertThat(delivered.stream().map(m -> java.util.Arrays.toString(m.payload())).distinct().count())
                .isEqualTo(accepted);
        // the requests still waiting were refused, visibly: 503; a client connecting only after the
        // server closed is refused by TCP (connection refused), and one sending its next request on a
        // kept-alive connection just as the stopping server closes it gets a reset or a premature
        // close: visible too, and none of them is a 202 (nor a client-side artefact such as a
        // connection pool shut down under the request)
        assertThat(clientErrors).isNotEmpty()
                .anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(HttpStatusException.class,
                        h -> assertThat(h.status()).isEqualTo(503)))
                .allSatisfy(e -> assertThat(e instanceof HttpStatusException h ? h.status() == 503
                        : e instanceof java.io.IOException) // ConnectException, a reset, PrematureCloseException
                        .as("503 or refused/closed connection: %s", e).isTrue());
        assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("shutting down"));
        assertThat(accepted).isLessThan(40);
    }

    @Test
    void blockPipelineWithSlowConsumerSlowsClientsWithoutLoss() throws Exception {
        int clients = 4;
        int perClient = 25;
        int size = 64;
        int handoff = 4;
        int block = 8;
        HttpSource source = Transports.http().handoffCapacity(handoff).events(events).source();
        Payloads.Checker checker = new Payloads.Checker(size, perClient);
        AtomicLong maxAhead = new AtomicLong();
        Sink<Message> slow = flux -> flux
                .concatMap(m -> Mono.delay(Duration.ofMillis(20)).doOnNext(x -> {
                    checker.accept(m);
                    maxAhead.accumulateAndGet(source.metrics().messages() - checker.count(), Math::max);
                }), 1)
                .then();
        pipeline = Pipeline.from(source).overflow(Overflow.<Message>block(block)).to(slow).start();
        int port = source.boundAddress().block(T).getPort();
        Flux.range(0, clients)
                .flatMap(c -> Transports.http().port(port).concurrency(8).sink().write(Payloads.messages(c, perClient, size)), clients)
                .then()
                .block(Duration.ofSeconds(60));
        int total = clients * perClient;
        // the clients could only finish once the consumer had taken all but what the stages hold
        long bound = handoff + block + 2;
        assertThat(checker.count()).as("consumed when the last client finished").isGreaterThanOrEqualTo(total - bound);
        assertThat(maxAhead.get()).as("accepted but not yet consumed").isLessThanOrEqualTo(bound);
        await(() -> checker.count() == total);
        assertThat(checker.distinct()).isEqualTo(total);
        assertThat(checker.duplicates()).isZero();
        assertThat(checker.bad()).isZero();
        assertThat(errors).isEmpty();
    }

    private static int rawStatus(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        byte[] head = new byte[12];
        int n = 0;
        try {
            int r;
            while (n < head.length && (r = in.read(head, n, head.length - n)) > 0) {
                n += r;
            }
        } catch (java.net.SocketException reset) {
            return -1;
        }
        String line = new String(head, 0, n, StandardCharsets.ISO_8859_1);
        return line.startsWith("HTTP/1.1 ") ? Integer.parseInt(line.substring(9, 12)) : -1;
    }

    private void assertServesAnotherClient(int port, BlockingQueue<Message> got) throws Exception {
        HttpClient client = HttpClient.create().host("127.0.0.1").port(port);
        assertThat(status(client.post().uri("/ingest"), "second client".getBytes(StandardCharsets.UTF_8))).isEqualTo(202);
        Message m = got.poll(10, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.payloadUtf8()).isEqualTo("second client");
        assertThat(got).isEmpty();
    }

    private void assertOpenedAndClosed(Socket s) throws Exception {
        String remote = "/127.0.0.1:" + s.getLocalPort();
        await(() -> connections.contains(new ConnectionClosed("http", remote)));
        assertThat(connections).contains(new ConnectionOpened("http", remote), new ConnectionClosed("http", remote));
    }

    @Test
    void garbageBytesGet400AndAnEventAndTheServerKeepsServing() throws Exception {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        HttpSource source = Transports.http().events(events).source();
        int port = start(source, got);
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {'G', 'A', 'R', 'B', 'A', 'G', 'E', ' ', 0x01, (byte) 0xFF, (byte) 0xFE, ' ', 'x', '\r', '\n', '\r', '\n'});
            out.flush();
            assertThat(rawStatus(s)).isEqualTo(400);
            long rest = 0;
            try {
                while (s.getInputStream().read() != -1 && rest < 10_000) {
                    rest++;
                }
            } catch (java.net.SocketException reset) {
                // closed by the server as well
            }
            assertThat(rest).as("rest of the answer, then the connection is closed").isLessThan(10_000);
            assertOpenedAndClosed(s);
        }
        // reactor-netty reports the decoding failure to the observer on its event loop, which may
        // run after the 400 and the close reached this thread
        await(() -> errors.stream().anyMatch(e -> e.reason().contains("malformed")));
        assertThat(errors).anySatisfy(e -> assertThat(e.reason()).contains("malformed"));
        assertThat(source.metrics().errors()).isEqualTo(1);
        assertServesAnotherClient(port, got);
    }

    @Test
    void clientDisconnectingMidBodyIsReportedAndEmitsNothing() throws Exception {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        // one permit, immediate rejection: a permit not given back would turn the next request into a 503
        HttpSource source = Transports.http().handoffCapacity(1).acceptTimeout(Duration.ZERO).events(events).source();
        int port = start(source, got);
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
                    + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // 100 Continue: the source has started reading this body
            assertThat(rawStatus(s)).isEqualTo(100);
            out.write(new byte[40]);
            out.flush();
            s.close();
            assertOpenedAndClosed(s);
        }
        await(() -> !errors.isEmpty());
        assertThat(errors).singleElement().satisfies(e -> assertThat(e.reason()).contains("incomplete after 40 of 100 bytes").contains("no message"));
        assertThat(got).isEmpty();
        assertServesAnotherClient(port, got);
    }

    @Test
    void clientGoneWhileWaitingForRoomGivesNothingAndKeepsNoPermit() throws Exception {
        HttpSource source = Transports.http().handoffCapacity(1).events(events).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        BaseSubscriber<Message> stalled = withoutDemand(got);
        source.flux().subscribe(stalled);
        running = stalled;
        int port = source.boundAddress().block(T).getPort();
        HttpClient client = HttpClient.create().host("127.0.0.1").port(port);
        assertThat(status(client.post().uri("/ingest"), new byte[] {1})).isEqualTo(202);
        // this one waits for room (the hand-off is full), then its client goes away
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            await(() -> source.waitingRequests() == 1);
            assertThat(source.waitingRequests()).isEqualTo(1);
            assertThat(source.metrics().connectionsActive()).isEqualTo(2);
        }
        await(() -> source.metrics().connectionsActive() == 1 && source.waitingRequests() == 0);
        assertThat(source.metrics().connectionsActive()).isEqualTo(1);
        assertThat(source.waitingRequests()).as("the departed request left the queue").isZero();
        stalled.request(1);
        assertThat(got).hasSize(1);
        // the room freed by the pipeline is not kept by the departed request
        assertThat(status(client.post().uri("/ingest"), new byte[] {2})).isEqualTo(202);
        stalled.request(10);
        await(() -> got.size() == 2);
        assertThat(got).extracting(Message::payload).containsExactly(new byte[] {1}, new byte[] {2});
    }
}
