package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What {@code /metrics} serves: drops, queue depth, bytes, transport errors and losses, as Prometheus expects them. */
class MetricsTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String scrape(AdminServer admin) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(admin.url() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** @return the value of the one series {@code name{labels}}, or NaN when absent */
    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /**
     * Under load (a generator as fast as it goes into a small drop-newest buffer, so messages are
     * received, delivered and dropped all the time), every one of many scrapes has
     * {@code delivered + dropped <= received} for the pipeline.
     */
    @Test
    void everyScrapeUnderLoadHasDeliveredPlusDroppedAtMostReceived() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: busy\n"
                + "    source: {type: generator, count: 100000000, size: 3}\n"
                + "    overflow: {policy: drop-newest, capacity: 4}\n"
                // a consumer on its own thread, slower than the generator (a discard sink without a
                // delay takes messages on the generator's thread and keeps up: nothing would drop)
                + "    sink: {type: discard, delay: 1us}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0, registry, g::report, Duration.ofSeconds(1))) {
            int scrapes = 0;
            int moving = 0;
            double lastReceived = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (scrapes < 400 && System.nanoTime() < deadline) {
                String s = scrape(admin);
                double received = value(s, "sluice_messages_received_total{pipeline=\"busy\"}");
                double delivered = value(s, "sluice_messages_delivered_total{pipeline=\"busy\"}");
                double dropped = value(s, "sluice_overflow_dropped_total{pipeline=\"busy\",policy=\"drop-newest\"}");
                assertThat(delivered + dropped).as("scrape %d: delivered %s + dropped %s <= received %s",
                        scrapes, delivered, dropped, received).isLessThanOrEqualTo(received);
                if (received > lastReceived && lastReceived >= 0) {
                    moving++;
                }
                lastReceived = received;
                scrapes++;
            }
            assertThat(scrapes).as("scrapes done").isGreaterThanOrEqualTo(100);
            assertThat(moving).as("scrapes that saw the counters move (the positive control)").isGreaterThan(scrapes / 2);
            assertThat(g.report().get(0).dropped()).as("drops happened during the test").isPositive();
        } finally {
            g.cancel();
        }
    }

    @Test
    void dropsQueueDepthAndBytesAreScraped() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: lossy\n"
                + "    source: {type: generator, count: 5000, size: 3}\n"
                + "    overflow: {policy: drop-newest, capacity: 8}\n"
                + "    sink: {type: discard, delay: 100us}\n"
                + "  - name: slow\n"
                + "    source: {type: generator, count: 100000, size: 10}\n"
                + "    overflow: {policy: block, capacity: 16}\n"
                + "    sink: {type: discard, delay: 20ms}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0, registry, g::report, Duration.ofSeconds(1))) {
            // queue depth: the slow pipeline's buffer fills while it runs
            double buffered = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (buffered < 1 && System.nanoTime() < deadline) {
                buffered = value(scrape(admin), "sluice_overflow_buffered{pipeline=\"slow\"}");
                Thread.sleep(20);
            }
            assertThat(buffered).isBetween(1.0, 16.0);

            // the lossy pipeline ends by itself; then its series match its report exactly
            while (g.report().get(0).running() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            PipelineReport lossy = g.report().get(0);
            assertThat(lossy.running()).isFalse();
            assertThat(lossy.dropped()).isPositive();
            String s = scrape(admin);
            assertThat(s).contains("# TYPE sluice_overflow_dropped_total counter")
                    .contains("# TYPE sluice_overflow_buffered gauge");
            assertThat(value(s, "sluice_overflow_dropped_total{pipeline=\"lossy\",policy=\"drop-newest\"}"))
                    .isEqualTo((double) lossy.dropped());
            assertThat(value(s, "sluice_overflow_buffered{pipeline=\"lossy\"}")).isZero();
            assertThat(value(s, "sluice_messages_received_total{pipeline=\"lossy\"}")).isEqualTo(5000.0);
            assertThat(value(s, "sluice_bytes_received_total{pipeline=\"lossy\"}")).isEqualTo(15_000.0);
            assertThat(value(s, "sluice_messages_delivered_total{pipeline=\"lossy\"}"))
                    .isEqualTo((double) lossy.delivered());
            assertThat(value(s, "sluice_bytes_delivered_total{pipeline=\"lossy\"}"))
                    .isEqualTo(3.0 * lossy.delivered());
            assertThat(value(s, "sluice_overflow_dropped_total{pipeline=\"slow\",policy=\"block\"}")).isZero();
        } finally {
            g.stop(Duration.ofSeconds(1)).onErrorResume(e -> reactor.core.publisher.Mono.empty())
                    .block(Duration.ofSeconds(30));
        }
    }

    @Test
    void transportErrorsAndLossesAreCountersThatNeverGoDown() throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String yaml = "pipelines:\n"
                + "  - name: udp-in\n"
                + "    source: {type: udp, host: 127.0.0.1, port: " + port + ", sequenced: true}\n"
                + "    sink: {type: discard}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        String lost = "sluice_transport_lost_total{pipeline=\"udp-in\",transport=\"udp\"}";
        String errors = "sluice_transport_errors_total{pipeline=\"udp-in\",reason=\"malformed\",transport=\"udp\"}";
        try (AdminServer admin = AdminServer.start("127.0.0.1", 0, registry, g::report, Duration.ofSeconds(1));
             DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String s = scrape(admin);
            assertThat(s).contains("# TYPE sluice_transport_lost_total counter")
                    .contains("# TYPE sluice_transport_errors_total counter");
            assertThat(value(s, lost)).isZero();

            // 0, 1, then 5: 2, 3 and 4 are missing; then a 4-byte datagram without a sequence header
            for (long seq : new long[] {0, 1, 5}) {
                send(client, port, ByteBuffer.allocate(12).putLong(seq).putInt(42).array());
            }
            send(client, port, new byte[] {1, 2, 3, 4});
            awaitReceived(g, 3);
            s = awaitSeries(admin, errors, 1.0);
            assertThat(value(s, lost)).isEqualTo(3.0);
            assertThat(g.transportMetrics("udp-in")).hasValueSatisfying(tm -> assertThat(tm.lost()).isEqualTo(3));

            // 3 arrives late: the transport takes it back from lost, the counter does not go down
            send(client, port, ByteBuffer.allocate(12).putLong(3).putInt(42).array());
            awaitReceived(g, 4);
            assertThat(g.transportMetrics("udp-in")).hasValueSatisfying(tm -> assertThat(tm.lost()).isEqualTo(2));
            assertThat(value(scrape(admin), lost)).isEqualTo(3.0);
        } finally {
            g.stop(Duration.ofSeconds(5)).onErrorResume(e -> reactor.core.publisher.Mono.empty())
                    .block(Duration.ofSeconds(30));
        }
        assertThat(g.transportMetrics("nope")).isEmpty();
    }

    private static void send(DatagramSocket client, int port, byte[] bytes) throws java.io.IOException {
        client.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
    }

    private static void awaitReceived(Gateway g, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (g.report().get(0).received() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(g.report().get(0).received()).isEqualTo(n);
    }

    private String awaitSeries(AdminServer admin, String series, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String s = scrape(admin);
        while (value(s, series) != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
            s = scrape(admin);
        }
        assertThat(value(s, series)).as(series).isEqualTo(expected);
        return s;
    }
}
