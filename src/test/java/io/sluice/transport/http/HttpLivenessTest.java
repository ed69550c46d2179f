package io.sluice.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.event.ConnectionClosed;
import io.sluice.event.ConnectionError;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.SilentPeers;
import io.sluice.transport.Transports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Slowloris limits of the HTTP source: idle connections and connections with partial headers or a
 * partial body are closed within their timeout + 1 s (408 for the partial ones), reported as
 * {@code ConnectionClosed} with the reason and counted, while normal clients at the same time lose
 * nothing.
 */
class HttpLivenessTest {

    private static final Duration IDLE = Duration.ofMillis(1000);
    private static final Duration HEADER = Duration.ofMillis(500);
    private static final Duration BODY = Duration.ofMillis(500);
    private static final Duration SLACK = Duration.ofSeconds(1);

    private final EventDispatcher events = new EventDispatcher();
    private final List<ConnectionClosed> closed = new CopyOnWriteArrayList<>();
    private final List<ConnectionError> errors = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, Boolean> received = new ConcurrentHashMap<>();
    private Disposable running;
    private HttpSource source;

    HttpLivenessTest() {
        events.on(ConnectionClosed.class, closed::add);
        events.on(ConnectionError.class, errors::add);
    }

    @AfterEach
    void stop() {
        if (running != null) {
            running.dispose();
        }
    }

    private int start() throws Exception {
        source = Transports.http().idleTimeout(IDLE).headerTimeout(HEADER).bodyTimeout(BODY).maxConnections(1000)
                .events(events).source();
        running = source.flux().subscribe(m -> received.put(new String(m.payload(), StandardCharsets.UTF_8), true));
        int port = source.boundAddress().block(Duration.ofSeconds(10)).getPort();
        // warm up (class loading, JIT) so that the timings below measure the limits, not the first request
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + port + "/ingest")).POST(HttpRequest.BodyPublishers.ofString("warm-up")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        return port;
    }

    @Test
    void idleAndPartialHeaderConnectionsAreClosedInTimeWhileNormalClientsLoseNothing() throws Exception {
        int port = start();
        AtomicBoolean stopLoad = new AtomicBoolean();
        AtomicLong accepted = new AtomicLong();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int client = c;
            clients.add(load.submit(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int i = 0; !stopLoad.get(); i++) {
                    String body = "c" + client + "-" + i;
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                    + "/ingest")).POST(HttpRequest.BodyPublishers.ofString(body))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(body).isEqualTo(202);
                    accepted.incrementAndGet();
                }
                return null;
            }));
        }
        List<SilentPeers.Peer> idle = new ArrayList<>();
        List<SilentPeers.Peer> partial = new ArrayList<>();
        try (SilentPeers peers = new SilentPeers()) {
            for (int i = 0; i < 200; i++) {
                idle.add(peers.open(port, new byte[0]));
                if (i % 4 == 0) {
                    partial.add(peers.open(port, ("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Le")
                            .getBytes(StandardCharsets.US_ASCII)));
                }
            }
            assertThat(partial).hasSize(50);
            assertThat(peers.awaitClosed(IDLE.plus(SLACK).plusSeconds(5))).as("still open").isEmpty();
            for (SilentPeers.Peer p : idle) {
                assertThat(p.openFor()).as("idle peer").isLessThanOrEqualTo(IDLE.plus(SLACK));
                assertThat(p.received()).isEmpty();
            }
            for (SilentPeers.Peer p : partial) {
                assertThat(p.openFor()).as("partial headers").isLessThanOrEqualTo(HEADER.plus(SLACK));
                assertThat(p.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
            }
        }
        stopLoad.set(true);
        for (Future<?> f : clients) {
            f.get(30, TimeUnit.SECONDS); // rethrows a client's failure: a request not answered 202
        }
        load.shutdown();
        assertThat(accepted.get()).as("normal requests during the test").isGreaterThan(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.size() - 1 < accepted.get() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat((long) received.size() - 1).as("every request answered 202 reached the pipeline")
                .isEqualTo(accepted.get());
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.metrics().closed("header_timeout") < 50 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        for (SilentPeers.Peer p : idle) {
            assertThat(closed).contains(new ConnectionClosed("http", "/" + p.address(), "idle"));
        }
        for (SilentPeers.Peer p : partial) {
            assertThat(closed).contains(new ConnectionClosed("http", "/" + p.address(), "header_timeout"));
        }
        // the clients' own kept-alive connections go idle too once they stop sending
        assertThat(source.metrics().closed("idle")).isGreaterThanOrEqualTo(200);
        assertThat(source.metrics().closed("header_timeout")).isEqualTo(50);
        assertThat(errors).as("liveness closes are not errors").isEmpty();
    }

    @Test
    void aBodyThatStopsHalfWayIsAnswered408AndClosed() throws Exception {
        int port = start();
        String address;
        try (SilentPeers peers = new SilentPeers()) {
            SilentPeers.Peer slow = peers.open(port, ("POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                    + "only ten b").getBytes(StandardCharsets.US_ASCII));
            assertThat(peers.awaitClosed(BODY.plus(SLACK).plusSeconds(5))).isEmpty();
            assertThat(slow.openFor()).isLessThanOrEqualTo(BODY.plus(SLACK));
            assertThat(slow.received()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
            address = "/" + slow.address();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.metrics().closed("body_timeout") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(source.metrics().closed("body_timeout")).isEqualTo(1);
        assertThat(closed).contains(new ConnectionClosed("http", address, "body_timeout"));
        assertThat(errors).as("reported once, as a close").isEmpty();
        assertThat(received).containsOnlyKeys("warm-up");
    }
}
