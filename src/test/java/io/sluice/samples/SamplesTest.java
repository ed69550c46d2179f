package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.gateway.Gateway;
import io.sluice.gateway.GatewayConfig;
import io.sluice.gateway.PipelineReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * Runs every sample configuration as its README says, with two changes so the test stays within
 * the rules: its fixed ports are replaced by free ephemeral ones, and its load is shortened.
 */
class SamplesTest {

    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    private static final Pattern PORT = Pattern.compile("port: (17\\d\\d\\d)");

    @TempDir
    Path tmp;

    @Test
    void logShipperDropsNewestAndShipsExactlyWhatItDelivered() throws Exception {
        Path out = tmp.resolve("shipped.log");
        // The sample's overload, made decisive so a busy CI machine cannot hide it: 3 ms per line.
        String yaml = adapt("log-shipper", "count: 30000", "count: 6000", "per: 500us", "per: 3ms")
                .replace("target/samples/shipped.log", out.toString());
        Map<String, PipelineReport> r = run(yaml);
        PipelineReport apps = r.get("apps");
        PipelineReport shipper = r.get("shipper");
        assertThat(apps.delivered()).isEqualTo(6000);
        assertThat(shipper.received()).isEqualTo(6000);
        assertThat(shipper.dropped()).isPositive();
        assertThat(shipper.addsUp()).isTrue();
        assertThat(Files.readAllLines(out)).hasSize((int) shipper.delivered());
    }

    @Test
    void chatRelayIsLosslessFromWebSocketToRSocket() throws Exception {
        Path out = tmp.resolve("chat.log");
        String yaml = adapt("chat-relay", "count: 20000", "count: 3000")
                .replace("target/samples/chat-relayed.log", out.toString());
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), OutputStream.nullOutputStream());
        awaitLoad(g, "chat-clients");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && g.report().get(0).received() < 3000) {
            Thread.sleep(20);
        }
        g.stop(Duration.ofSeconds(10)).block(Duration.ofSeconds(30));
        Map<String, PipelineReport> r = g.report().stream()
                .collect(Collectors.toMap(PipelineReport::name, Function.identity()));
        assertThat(r.get("chat-clients").delivered()).isEqualTo(3000);
        assertThat(r.get("relay").received()).isEqualTo(3000);
        assertThat(r.get("relay").dropped()).isZero();
        assertThat(r.get("subscriber").received()).isEqualTo(3000);
        assertThat(Files.readAllLines(out)).hasSize(3000);
    }

    @Test
    void iotTelemetryKeepsStatsPerDevice() throws Exception {
        Path out = tmp.resolve("iot.log");
        String yaml = adapt("iot-telemetry", "count: 20000", "count: 4000")
                .replace("target/samples/iot-telemetry.log", out.toString());
        GatewayConfig config = GatewayConfig.parse(yaml);
        Gateway g = Gateway.start(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new EventDispatcher(),
                OutputStream.nullOutputStream());
        awaitLoad(g, "devices");
        g.stop(Duration.ofSeconds(10)).block(Duration.ofSeconds(30));
        PipelineReport telemetry = g.report().get(1);
        assertThat(telemetry.received()).isPositive();
        assertThat(telemetry.addsUp()).isTrue();
        assertThat(telemetry.policy()).isEqualTo("overwrite-oldest");
        // processing is slower than arrival: the oldest readings were overwritten ...
        assertThat(telemetry.dropped()).as("overwritten readings").isPositive();
        assertThat(telemetry.delivered()).isLessThan(telemetry.received());
        // ... and what was processed is in arrival order, skipping the overwritten ones
        List<Long> seqs = Files.readAllLines(out).stream().map(l -> {
            Matcher m = SEQ.matcher(l);
            assertThat(m.find()).as(l).isTrue();
            return Long.parseLong(m.group(1));
        }).toList();
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
        List<Gateway.StatsLine> stats = g.stats();
        assertThat(stats).hasSize(20).allSatisfy(l -> assertThat(l.measure()).isEqualTo("temp"));
        assertThat(stats.stream().mapToLong(l -> l.stats().count()).sum()).isEqualTo(telemetry.delivered());
        assertThat(Files.readAllLines(out)).hasSize((int) telemetry.delivered());
    }

    @Test
    void priorityJobsTakesProducersOverRedisAndHttpAndServesTheHighestFirst() throws Exception {
        Path snap = tmp.resolve("jobs.snap");
        String yaml = adapt("priority-jobs").replace("target/samples/jobs.snap", snap.toString());
        Matcher ports = Pattern.compile("port: (\\d+)").matcher(yaml);
        List<Integer> p = new java.util.ArrayList<>();
        while (ports.find()) {
            p.add(Integer.parseInt(ports.group(1)));
        }
        int resp = p.get(0);
        int queue = p.get(1);
        int http = p.get(2);
        assertThat(p.get(3)).as("the http pipeline's resp sink aims at the resp source").isEqualTo(resp);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), OutputStream.nullOutputStream());
        try (Jedis producer = new Jedis("127.0.0.1", resp, 10_000); Jedis worker = new Jedis("127.0.0.1", queue, 10_000)) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThat(producer.sendCommand(cmd("UPDATE"), "resize-photos", "5")).isEqualTo("OK".getBytes());
            assertThat(post(client, http, "UPDATE send-invoice 10")).isEqualTo(202);
            assertThat(post(client, http, "RPUSH resque:queue:mail welcome-anna")).isEqualTo(202);
            // the adjuster, over HTTP: resize-photos 5 + 20
            assertThat(post(client, http, "UPDATE resize-photos 20")).isEqualTo(202);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !info(worker).contains("received:4")) {
                Thread.sleep(20);
            }
            assertThat(info(worker)).contains("size:3", "received:4", "merged:1");
            // two workers, two connections
            try (Jedis worker2 = new Jedis("127.0.0.1", queue, 10_000)) {
                assertThat(next(worker)).isEqualTo("resize-photos");
                assertThat(next(worker2)).isEqualTo("send-invoice");
                assertThat(next(worker)).isEqualTo("welcome-anna");
                assertThat(next(worker2)).isNull();
            }
        } finally {
            g.stop(Duration.ofSeconds(10)).block(Duration.ofSeconds(30));
        }
        Map<String, PipelineReport> r = g.report().stream()
                .collect(Collectors.toMap(PipelineReport::name, Function.identity()));
        assertThat(r.get("http-producers").delivered()).isEqualTo(3);
        assertThat(r.get("jobs").received()).isEqualTo(4);
        assertThat(r.get("jobs").addsUp()).isTrue();
    }

    private static ProtocolCommand cmd(String name) {
        return () -> name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String info(Jedis worker) {
        return new String((byte[]) worker.sendCommand(cmd("INFO")), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String next(Jedis worker) {
        byte[] item = (byte[]) worker.sendCommand(cmd("NEXT"));
        return item == null ? null : new String(item, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int post(HttpClient client, int port, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/jobs"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private Map<String, PipelineReport> run(String yaml) throws Exception {
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), OutputStream.nullOutputStream());
        String load = g.report().get(0).name();
        awaitLoad(g, load);
        // the receivers take what is in flight (bounded wait until each received all the load
        // delivered), then stop as SIGTERM would
        long sent = g.report().get(0).delivered();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline
                && g.report().stream().anyMatch(p -> !p.name().equals(load) && p.received() < sent)) {
            Thread.sleep(20);
        }
        g.stop(Duration.ofSeconds(10)).block(Duration.ofSeconds(30));
        return g.report().stream().collect(Collectors.toMap(PipelineReport::name, Function.identity()));
    }

    private static void awaitLoad(Gateway g, String loadPipeline) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            PipelineReport load = g.report().stream().filter(r -> r.name().equals(loadPipeline)).findFirst().orElseThrow();
            if (!load.running()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("load pipeline did not finish");
    }

    /** The sample's config with free ports, no admin endpoint, and each {@code from, to} pair replaced. */
    private static String adapt(String sample, String... fromTo) throws IOException {
        String original = Files.readString(Path.of("samples", sample, "gateway.yaml"));
        String replaced = original;
        for (int i = 0; i < fromTo.length; i += 2) {
            assertThat(replaced).contains(fromTo[i]);
            replaced = replaced.replace(fromTo[i], fromTo[i + 1]);
        }
        String yaml = replaced.replaceAll("(?m)^admin:.*\\n", "");
        boolean udp = yaml.contains("type: udp");
        Matcher m = PORT.matcher(yaml);
        StringBuilder sb = new StringBuilder();
        Map<String, Integer> mapped = new java.util.HashMap<>();
        while (m.find()) {
            int port = mapped.computeIfAbsent(m.group(1), p -> freePort(udp));
            m.appendReplacement(sb, "port: " + port);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static int freePort(boolean udpToo) {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket(0)) {
                int p = s.getLocalPort();
                if (!udpToo) {
                    return p;
                }
                try (DatagramSocket d = new DatagramSocket(p)) {
                    return p;
                } catch (IOException taken) {
                    // try another
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port");
    }
}
