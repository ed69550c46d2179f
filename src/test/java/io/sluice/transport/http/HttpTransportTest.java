package io.sluice.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.sluice.Message;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.NettyLeakCheck;
import io.sluice.transport.Payloads;
import io.sluice.transport.RoundTrip;
import io.sluice.transport.Transports;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

@ExtendWith(NettyLeakCheck.class)
class HttpTransportTest {

    private static final Duration T = Duration.ofSeconds(10);

    private final EventDispatcher events = new EventDispatcher();
    private final List<ConnectionError> errors = new CopyOnWriteArrayList<>();
    private Disposable running;

    HttpTransportTest() {
        events.on(ConnectionError.class, errors::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    @ParameterizedTest(name = "{0} B x {1} x {2} clients")
    @CsvSource({"18, 2500, 4", "4266, 125, 4", "6786, 125, 4", "79435, 125, 4"})
    void roundTrip(int size, int perClient, int clients) {
        HttpSource source = Transports.http().events(events).source();
        RoundTrip.run(source, source::boundAddress, port -> Transports.http().port(port).sink(),
                clients, perClient, size);
        assertThat(source.metrics().messages()).isEqualTo((long) clients * perClient);
        assertThat(errors).isEmpty();
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
        BaseSubscriber<Message> stalled = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                // no demand: the pipeline is stalled
            }

            @Override
            protected void hookOnNext(Message m) {
                got.add(m);
            }
        };
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
}
