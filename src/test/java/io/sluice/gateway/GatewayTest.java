package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayTest {

    @TempDir
    Path tmp;

    @Test
    void runsStepsAndAccountsForEveryMessage() throws Exception {
        Path out = tmp.resolve("out.txt");
        String yaml = "pipelines:\n"
                + "  - name: p\n"
                + "    source: {type: generator, count: 1000, size: 4}\n"
                + "    overflow: {policy: block, capacity: 32}\n"
                + "    steps:\n"
                + "      - {type: set-header, name: kind, value: temp}\n"
                + "      - {type: filter-header, name: kind, equals: temp}\n"
                + "      - {type: sample, every: 4}\n"
                + "      - {type: stats}\n"
                + "    sink: {type: file, path: '" + out + "'}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        g.done().block(Duration.ofSeconds(30));

        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(250);
        PipelineReport r = g.report().get(0);
        assertThat(r.received()).isEqualTo(1000);
        assertThat(r.delivered()).isEqualTo(250);
        assertThat(r.filtered()).isEqualTo(750);
        assertThat(r.dropped()).isZero();
        assertThat(r.addsUp()).isTrue();
        assertThat(r.outcome()).isEqualTo("COMPLETED");
        String scrape = registry.scrape();
        assertThat(scrape).contains("sluice_messages_received_total{pipeline=\"p\"} 1000.0")
                .contains("sluice_messages_delivered_total{pipeline=\"p\"} 250.0")
                .contains("sluice_stats_mean{key=\"all\",measure=\"size\",pipeline=\"p\"} 4.0");
        assertThat(g.stats()).singleElement().satisfies(l -> {
            assertThat(l.key()).isEqualTo("all");
            assertThat(l.stats().count()).isEqualTo(250);
        });
    }

    @Test
    void lossyPipelineStillAddsUpAndStdoutSinkWrites() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: lossy\n"
                + "    source: {type: generator, count: 5000, size: 3}\n"
                + "    overflow: {policy: drop-newest, capacity: 8}\n"
                + "    sink: {type: stdout}\n";
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), stdout);
        g.done().block(Duration.ofSeconds(30));
        PipelineReport r = g.report().get(0);
        assertThat(r.received()).isEqualTo(5000);
        assertThat(r.delivered() + r.dropped()).isEqualTo(5000);
        assertThat(r.addsUp()).isTrue();
        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().count()).isEqualTo(r.delivered());
        // each line is the 3-byte payload and its newline, not just a newline
        assertThat(stdout.size()).isEqualTo(4 * r.delivered());
    }

    @Test
    void statsPerDeviceFromParsedJson() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: iot\n"
                + "    source: {type: generator, count: 300, devices: 3}\n"
                + "    steps:\n"
                + "      - {type: parse-json, fields: [device, temp]}\n"
                + "      - {type: stats, value: temp, by: device}\n"
                + "    sink: {type: discard}\n";
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), new ByteArrayOutputStream());
        g.done().block(Duration.ofSeconds(30));
        List<Gateway.StatsLine> lines = g.stats();
        assertThat(lines).extracting(Gateway.StatsLine::key).containsExactly("device-0", "device-1", "device-2");
        for (Gateway.StatsLine l : lines) {
            int d = Integer.parseInt(l.key().substring(7));
            assertThat(l.measure()).isEqualTo("temp");
            assertThat(l.stats().count()).isEqualTo(100);
            assertThat(l.stats().min()).isGreaterThanOrEqualTo(18 + d - 3.01);
            assertThat(l.stats().max()).isLessThanOrEqualTo(18 + d + 3.01);
        }
    }

    @Test
    void grpcAndRSocketEndpointsCarryAConfiguredPipeline() throws Exception {
        int grpcPort = freePort();
        int rsocketPort = freePort();
        String yaml = "pipelines:\n"
                + "  - name: to-grpc\n"
                + "    source: {type: generator, count: 500, size: 4266}\n"
                + "    sink: {type: grpc, port: " + grpcPort + "}\n"
                + "  - name: grpc-in\n"
                + "    source: {type: grpc, port: " + grpcPort + "}\n"
                + "    sink: {type: discard}\n"
                + "  - name: to-rsocket\n"
                + "    source: {type: generator, count: 500, size: 4266}\n"
                + "    sink: {type: rsocket, port: " + rsocketPort + ", mode: channel}\n"
                + "  - name: rsocket-in\n"
                + "    source: {type: rsocket, port: " + rsocketPort + "}\n"
                + "    sink: {type: discard}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && (g.report().get(0).running() || g.report().get(2).running())) {
            Thread.sleep(20);
        }
        g.stop(Duration.ofSeconds(10)).block(Duration.ofSeconds(30));
        List<PipelineReport> r = g.report();
        assertThat(r.get(0).outcome()).isEqualTo("COMPLETED");
        assertThat(r.get(2).outcome()).isEqualTo("COMPLETED");
        assertThat(r.get(1).received()).isEqualTo(500);
        assertThat(r.get(3).received()).isEqualTo(500);
        assertThat(r).allSatisfy(p -> assertThat(p.addsUp()).isTrue());
        String scrape = registry.scrape();
        assertThat(scrape).contains("sluice_transport_connections{pipeline=\"grpc-in\",transport=\"grpc\"}")
                .contains("sluice_pipeline_latency_seconds_count{pipeline=\"rsocket-in\"} 500");
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void parseJsonCopiesFieldsAndDropsBadPayloads() throws Exception {
        Message ok = Steps.jsonFieldsToHeaders(Message.ofUtf8("{\"device\":\"d1\",\"temp\":21.5,\"x\":{\"y\":1}}"),
                Set.of("device", "temp"));
        assertThat(ok.headers()).containsEntry("device", "d1").containsEntry("temp", "21.5").doesNotContainKey("x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Steps.jsonFieldsToHeaders(Message.ofUtf8("[1,2]"),
                Set.of("a"))).isInstanceOf(IllegalArgumentException.class).hasMessage("payload does not start with '{'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Steps.jsonFieldsToHeaders(Message.ofUtf8("{\"a\":"),
                Set.of("a"))).isInstanceOf(java.io.IOException.class).hasMessageContaining("end-of-input");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Steps.jsonFieldsToHeaders(Message.ofUtf8("{\"a\":1} 2"),
                Set.of("a"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trailing content after the JSON object");
    }

    @Test
    void adminServesPrometheusDashboardAndEvents() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: slow\n"
                + "    source: {type: generator, count: 100000, size: 8, interval: 1ms}\n"
                + "    overflow: {policy: overwrite-oldest, capacity: 16}\n"
                + "    sink: {type: stdout}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0, registry, g::report, Duration.ofMillis(100))) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(metrics.body()).contains("sluice_overflow_capacity{pipeline=\"slow\"} 16.0");

            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("<canvas id=\"rate\"").contains("new EventSource('/events')");

            HttpResponse<InputStream> events = http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/events"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(events.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
            try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
                String first = readData(reader);
                assertThat(first).contains("\"name\":\"slow\"").contains("\"capacity\":16");
                // later events report the pipeline's progress: received grows (bounded: 100 events)
                long firstReceived = received(first);
                long later = firstReceived;
                for (int i = 0; i < 100 && later <= firstReceived; i++) {
                    later = received(readData(reader));
                }
                assertThat(later).isGreaterThan(firstReceived);
            }
        } finally {
            g.stop(Duration.ofSeconds(5)).onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(Duration.ofSeconds(10));
        }
    }

    private static long received(String event) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"received\":(\\d+)").matcher(event);
        assertThat(m.find()).as(event).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String readData(java.io.BufferedReader reader) throws java.io.IOException {
        for (int i = 0; i < 100; i++) {
            String line = reader.readLine();
            if (line == null) {
                break;
            }
            if (line.startsWith("data: ")) {
                return line.substring(6);
            }
        }
        throw new AssertionError("no server-sent event");
    }
    @Test
    void aUdpSourceWithoutSequencedTakesPlainDatagramsWhole() throws Exception {
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String yaml = "pipelines:\n"
                + "  - name: plain-udp\n"
                + "    source: {type: udp, host: 127.0.0.1, port: " + port + "}\n"
                + "    sink: {type: stdout}\n";
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), stdout);
        String text = "temperature=21.5 room=kitchen"; // what `nc -u` would send: no sequence header
        try (java.net.DatagramSocket sender = new java.net.DatagramSocket()) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (stdout.size() == 0 && System.nanoTime() < deadline) { // resend until the source is reading
                sender.send(new java.net.DatagramPacket(bytes, bytes.length, java.net.InetAddress.getLoopbackAddress(),
                        port));
                Thread.sleep(50);
            }
        } finally {
            g.stop(Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
        }
        assertThat(stdout.toString(StandardCharsets.UTF_8).lines()).isNotEmpty().allSatisfy(l -> assertThat(l)
                .isEqualTo(text));
        assertThat(g.transportMetrics("plain-udp")).hasValueSatisfying(m -> assertThat(m.lost()).isZero());
    }

    @Test
    void aPortInUseStopsStartupWithOneLineAndLeavesNothingRunning() throws Exception {
        int firstPort = Ports.freeTcpPort();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String yaml = "pipelines:\n"
                    + "  - name: first\n"
                    + "    source: {type: tcp, host: 127.0.0.1, port: " + firstPort + "}\n"
                    + "    sink: {type: discard}\n"
                    + "  - name: feeder\n"
                    + "    source: {type: generator, count: 1000000, interval: 10ms}\n"
                    + "    sink: {type: discard}\n"
                    + "  - name: clash\n"
                    + "    source: {type: http, host: 127.0.0.1, port: " + taken.getLocalPort() + "}\n"
                    + "    sink: {type: discard}\n";
            EventDispatcher events = new EventDispatcher();
            List<String> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();
            events.on(io.sluice.event.PipelineStopped.class, e -> stopped.add(e.pipeline()));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateway.start(GatewayConfig.parse(yaml),
                            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), events, new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(GatewayStartException.class, e -> {
                        assertThat(e.part()).isEqualTo("clash");
                        assertThat(e.getMessage()).doesNotContain("\n")
                                .startsWith("pipeline 'clash' cannot start: its http source cannot bind TCP 127.0.0.1:"
                                        + taken.getLocalPort() + ": ")
                                .containsIgnoringCase("address already in use");
                    });
            assertThat(Ports.released(firstPort)).as("port of the pipeline started before the failure released")
                    .isTrue();
            // servers start first: the feeder never started, the two servers ended
            assertThat(stopped).containsExactlyInAnyOrder("first", "clash");
        }
    }
}
