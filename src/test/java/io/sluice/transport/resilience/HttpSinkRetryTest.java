package io.sluice.transport.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.Message;
import io.sluice.cli.SluiceCli;
import io.sluice.event.DeadLettered;
import io.sluice.event.EventDispatcher;
import io.sluice.event.SinkDisconnected;
import io.sluice.event.SinkReconnected;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.PipelineReport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Issue 17, HTTP sink: a 503 is retried until a 200; a 429's {@code Retry-After} is waited for; a
 * 400 is not retried but dead-lettered (from a gateway configuration, counted in the pipeline report
 * and the meter); {@code sluice dead-letter replay} then delivers the dead-lettered messages. The
 * receiver is the JDK's HTTP server answering from a script.
 */
class HttpSinkRetryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(200), -1);

    /** What the server got: body and the time it arrived, and the answer it gave. */
    record Hit(String body, long nanos, int status) {
    }

    private HttpServer server;
    private final List<Hit> hits = new CopyOnWriteArrayList<>();
    private volatile Function<String, Integer> answer = body -> 200;
    private final ConcurrentLinkedQueue<Integer> scripted = new ConcurrentLinkedQueue<>();
    private volatile String retryAfter;
    private volatile long okDelayMillis;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ingest", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool()); // concurrent requests
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Integer next = scripted.poll();
        int status = next != null ? next : answer.apply(body);
        if (status == 429 && retryAfter != null) {
            ex.getResponseHeaders().add("Retry-After", retryAfter);
        }
        hits.add(new Hit(body, System.nanoTime(), status));
        if (status == 200 && okDelayMillis > 0) {
            try {
                Thread.sleep(okDelayMillis); // processed (recorded), answered a little later
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ex.sendResponseHeaders(status, -1);
        ex.close();
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private List<String> accepted() {
        return hits.stream().filter(h -> h.status() / 100 == 2).map(Hit::body).toList();
    }

    private static Flux<Message> messages(String... bodies) {
        return Flux.fromArray(bodies).map(Message::ofUtf8);
    }

    @Test
    void a503IsRetriedUntilThe200() {
        scripted.add(503);
        scripted.add(503);
        EventDispatcher events = new EventDispatcher();
        List<Object> seen = new CopyOnWriteArrayList<>();
        events.on(SinkDisconnected.class, seen::add);
        events.on(SinkReconnected.class, seen::add);
        ResilientSink sink = new ResilientSink(Transports.http().port(port()).concurrency(1).sink(), "http", FAST, null, events);
        sink.write(messages("a", "b", "c")).block(WAIT);
        assertThat(accepted()).containsExactly("a", "b", "c");
        assertThat(hits).extracting(Hit::status).startsWith(503, 503, 200);
        assertThat(sink.resent()).as("the message answered 503 was sent again").isEqualTo(2);
        assertThat(seen).hasSize(3).first().isInstanceOf(SinkDisconnected.class);
        assertThat(seen.get(2)).isEqualTo(new SinkReconnected("http", 2));
    }

    @Test
    void withConcurrencyOnlyTheRequestAnswered503IsSentAgain() {
        AtomicInteger fives = new AtomicInteger();
        answer = body -> body.equals("5") && fives.getAndIncrement() == 0 ? 503 : 200;
        okDelayMillis = 150; // the other requests are in flight (already processed) when the 503 arrives
        String[] bodies = java.util.stream.IntStream.range(0, 40).mapToObj(Integer::toString).toArray(String[]::new);
        ResilientSink sink = new ResilientSink(Transports.http().port(port()).concurrency(8).sink(), "http", FAST, null, null);
        sink.write(messages(bodies)).block(WAIT);
        assertThat(accepted()).as("every message processed once").containsExactlyInAnyOrder(bodies);
        assertThat(hits).as("40 requests and the one answered 503 again").hasSize(41);
        assertThat(sink.resent()).isEqualTo(1);
    }

    @Test
    void a429sRetryAfterIsWaitedFor() {
        scripted.add(429);
        retryAfter = "1";
        ResilientSink sink = new ResilientSink(Transports.http().port(port()).concurrency(1).sink(), "http", FAST, null, null);
        sink.write(messages("x")).block(WAIT);
        assertThat(hits).extracting(Hit::status).containsExactly(429, 200);
        long gapMillis = (hits.get(1).nanos() - hits.get(0).nanos()) / 1_000_000;
        assertThat(gapMillis).as("retried after Retry-After: 1 (backoff alone: 20 ms)").isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void without_a_retry_policy_a_503_still_fails_the_write() {
        scripted.add(503);
        ResilientSink sink = new ResilientSink(Transports.http().port(port()).concurrency(1).sink(), "http", null,
                null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sink.write(messages("a")).block(WAIT))
                .hasMessageContaining("HTTP 503");
    }

    @Test
    void a400IsDeadLetteredNotRetriedAndTheReplayDeliversIt(@TempDir Path dir) throws Exception {
        Path dead = dir.resolve("dead.log");
        String yaml = "pipelines:\n"
                + "  - name: out\n"
                + "    source: {type: generator, count: 20, size: 4}\n"
                + "    steps:\n"
                + "      - {type: set-header, name: n, value: x}\n"
                + "    deadLetter: {path: " + dead + "}\n"
                + "    sink: {type: http, port: " + port() + ", concurrency: 2, retry: {initial: 20ms, max: 200ms}}\n";
        // every fifth request is answered 400
        AtomicInteger n = new AtomicInteger();
        answer = body -> n.incrementAndGet() % 5 == 0 ? 400 : 200;
        EventDispatcher events = new EventDispatcher();
        List<DeadLettered> dl = new CopyOnWriteArrayList<>();
        events.on(DeadLettered.class, dl::add);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, events, new ByteArrayOutputStream());
        g.done().block(WAIT);
        PipelineReport r = g.report().get(0);
        assertThat(r.outcome()).isEqualTo("COMPLETED");
        assertThat(r.deadLettered()).isEqualTo(4);
        assertThat(registry.scrape()).contains("sluice_sink_dead_lettered_total{pipeline=\"out\"} 4.0")
                .contains("sluice_sink_retries_total{pipeline=\"out\"} 0.0");
        assertThat(dl).hasSize(4).allSatisfy(e -> assertThat(e.reason()).contains("HTTP 400"));
        assertThat(hits).as("a 400 is not retried").hasSize(20);
        assertThat(accepted()).hasSize(16);
        List<String> lines = Files.readAllLines(dead);
        assertThat(lines).hasSize(4).allSatisfy(l -> assertThat(l).contains("\"reason\":\"HTTP 400").contains("\"n\":\"x\""));
        List<Message> back = DeadLetterFile.read(dead).collectList().block(WAIT);
        List<String> rejected = hits.stream().filter(h -> h.status() == 400).map(Hit::body).toList();
        assertThat(back).extracting(Message::payloadUtf8).containsExactlyInAnyOrderElementsOf(rejected);

        answer = body -> 200;
        Path config = dir.resolve("gw.yaml");
        Files.writeString(config, yaml);
        int code = SluiceCli.execute("dead-letter", "replay", dead.toString(), "--config", config.toString(), "--to", "out");
        assertThat(code).isZero();
        assertThat(accepted()).hasSize(20).containsAll(rejected);
        assertThat(dead).as("replayed and removed").doesNotExist();
        assertThat(dir.resolve("dead.log.replaying")).doesNotExist();
    }
}
