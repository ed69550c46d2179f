package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import io.sluice.transport.zmq.ZmqTestPeers;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** A ZeroMQ pipeline exports sluice_transport_errors_total like the server transports (issue 12). */
class ZmqErrorsMetricTest {

    @Test
    void aMalformedZeroMqMessageIsCountedByReasonInTheScrape() throws Exception {
        int port = Ports.freeTcpPort();
        String yaml = "pipelines:\n"
                + "  - name: z\n"
                + "    source: {type: zmq-pull, endpoint: 'tcp://127.0.0.1:" + port + "'}\n"
                + "    sink: {type: discard}\n";
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        try (ZContext ctx = new ZContext();
             ZMQ.Socket push = ZmqTestPeers.connectedPush(ctx, "tcp://127.0.0.1:" + port, Duration.ofSeconds(20))) {
            push.setLinger(1000);
            push.sendMore("a");
            push.sendMore("b");
            push.send("c"); // three frames: neither the plain nor Sluice's format
            push.send("fine".getBytes(StandardCharsets.UTF_8), 0); // a plain message: the positive control
            String errors = "sluice_transport_errors_total{pipeline=\"z\",reason=\"malformed\",transport=\"zmq\"} 1.0";
            String delivered = "sluice_messages_delivered_total{pipeline=\"z\"} 1.0";
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String scrape = registry.scrape();
            while (!(scrape.contains(errors) && scrape.contains(delivered)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                scrape = registry.scrape();
            }
            assertThat(scrape).contains(errors).contains(delivered)
                    .contains("sluice_transport_errors_total{pipeline=\"z\",reason=\"too_large\",transport=\"zmq\"} 0.0");
        } finally {
            g.stop().block(Duration.ofSeconds(10));
        }
    }
}
