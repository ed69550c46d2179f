package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.gateway.PipelineReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GatewayDemoTest {

    @Test
    void everyPipelineAddsUpAndTheOverloadedOnesDropOrOverwrite() {
        StringWriter text = new StringWriter();
        List<GatewayDemo.Row> rows = GatewayDemo.run(Duration.ofSeconds(3), new PrintWriter(text, true), false, -1);
        Map<String, GatewayDemo.Row> byName = rows.stream().collect(Collectors.toMap(GatewayDemo.Row::name,
                Function.identity()));

        assertThat(byName).containsOnlyKeys("tcp-telemetry", "udp-metrics", "http-logs", "ws-chat");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.addsUp()).as(r.toString()).isTrue();
            assertThat(r.sent()).as(r.name()).isPositive();
            assertThat(r.buffered()).as(r.name()).isZero();
            assertThat(r.outcome()).isEqualTo("STOPPED");
        });
        // The reliable transports lose nothing in transit: what was sent was received.
        for (String reliable : List.of("tcp-telemetry", "http-logs", "ws-chat")) {
            assertThat(byName.get(reliable).sequenced()).as(reliable).isFalse();
            assertThat(byName.get(reliable).lost()).as(reliable).isZero();
            assertThat(byName.get(reliable).received()).as(reliable).isEqualTo(byName.get(reliable).sent());
        }
        for (String blocking : List.of("http-logs", "ws-chat")) {
            assertThat(byName.get(blocking).dropped()).as(blocking).isZero();
            assertThat(byName.get(blocking).delivered()).isEqualTo(byName.get(blocking).sent());
        }
        assertThat(byName.get("udp-metrics").sequenced()).isTrue();
        assertThat(byName.get("udp-metrics").dropped()).as("drop-newest dropped").isPositive();
        GatewayDemo.Row tcp = byName.get("tcp-telemetry");
        assertThat(tcp.policy()).isEqualTo("overwrite-oldest");
        assertThat(tcp.dropped()).as("overwrite-oldest overwrote").isPositive();
        assertThat(tcp.delivered()).isLessThan(tcp.received());

        String printed = text.toString();
        // the live view: a header and a row per pipeline with its rate, queue fill (n/capacity) and drops
        assertThat(printed).contains("msg/s")
                .containsPattern("tcp-telemetry\\s+overwrite-oldest\\s+[\\d,]+\\s+\\d+/1024\\s+[\\d,]+\\s+[\\d,]+")
                .containsPattern("udp-metrics\\s+drop-newest\\s+[\\d,]+\\s+\\d+/512\\s+[\\d,]+\\s+[\\d,]+")
                .containsPattern("http-logs\\s+block\\s+[\\d,]+\\s+\\d+/256\\s+[\\d,]+\\s+[\\d,]+")
                .containsPattern("ws-chat\\s+block\\s+[\\d,]+\\s+\\d+/256\\s+[\\d,]+\\s+[\\d,]+");
        // the summary: one row per pipeline with the numbers the rows hold
        assertThat(printed).contains("adds up").doesNotContain(" NO ");
        for (GatewayDemo.Row r : rows) {
            assertThat(printed).contains(String.format("%-15s %-17s %,10d %,10d %,8d %,8d %,10d %,10d", r.name(),
                    r.policy(), r.sent(), r.received(), r.lost(), r.unseen(), r.delivered(), r.dropped()));
        }
    }

    @Test
    void liveViewShowsTheRateSinceTheLastFrameAndRedrawsInPlace() {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        Map<String, Long> last = new HashMap<>();
        int lines = DemoView.liveView(out, List.of(report("udp-metrics", 1_000, 100, 40, 512, 7),
                report("load-udp", 5_000, 5_000, 0, 256, 0)), last, true, 0);
        assertThat(lines).isEqualTo(2); // header and one gateway pipeline; the load pipeline is not shown
        assertThat(text.toString()).doesNotContain("load-udp").doesNotContain("\033[2A")
                .containsPattern("udp-metrics\\s+drop-newest\\s+100\\s+7/512\\s+40\\s+1,000");

        text.getBuffer().setLength(0);
        lines = DemoView.liveView(out, List.of(report("udp-metrics", 3_000, 350, 90, 512, 3)), last, true, lines);
        assertThat(text.toString()).startsWith("\033[2A") // cursor up over the previous frame
                .containsPattern("udp-metrics\\s+drop-newest\\s+250\\s+3/512\\s+90\\s+3,000");
    }

    @Test
    void rowsTakeLossFromTheTransportSoAShortfallOnAReliableOneDoesNotAddUp() {
        List<PipelineReport> reports = List.of(report("udp-metrics", 900, 880, 20, 512, 0),
                report("load-udp", 1_000, 1_000, 0, 256, 0), report("tcp-telemetry", 990, 990, 0, 1024, 0),
                report("load-tcp", 1_000, 1_000, 0, 256, 0));
        Map<String, GatewayDemo.Row> rows = DemoView.rows(reports, Map.of("udp-metrics", 100L)).stream()
                .collect(Collectors.toMap(GatewayDemo.Row::name, Function.identity()));
        GatewayDemo.Row udp = rows.get("udp-metrics");
        assertThat(udp.lost()).isEqualTo(100);
        assertThat(udp.unseen()).isZero();
        assertThat(udp.addsUp()).isTrue();
        // 10 TCP messages neither received nor seen lost: the accounting must say so
        GatewayDemo.Row tcp = rows.get("tcp-telemetry");
        assertThat(tcp.sequenced()).isFalse();
        assertThat(tcp.unseen()).isEqualTo(10);
        assertThat(tcp.addsUp()).isFalse();
        assertThat(DemoView.exitCode(List.copyOf(rows.values()))).isEqualTo(1);
        assertThat(DemoView.exitCode(List.of(udp))).isZero();
    }

    @Test
    void udpMayLoseItsTailUnseenButNeverCountMoreThanWasSent() {
        List<PipelineReport> reports = List.of(report("udp-metrics", 850, 830, 20, 512, 0),
                report("load-udp", 1_000, 1_000, 0, 256, 0));
        // 100 gaps seen, 50 lost after the last datagram received: fine
        GatewayDemo.Row tail = DemoView.rows(reports, Map.of("udp-metrics", 100L)).get(0);
        assertThat(tail.unseen()).isEqualTo(50);
        assertThat(tail.addsUp()).isTrue();
        // more gaps than the shortfall: a counting error
        GatewayDemo.Row tooMany = DemoView.rows(reports, Map.of("udp-metrics", 151L)).get(0);
        assertThat(tooMany.unseen()).isEqualTo(-1);
        assertThat(tooMany.addsUp()).isFalse();
        // and received must still split exactly into delivered, dropped, cancelled and buffered
        GatewayDemo.Row leak = DemoView.rows(List.of(report("udp-metrics", 850, 829, 20, 512, 0),
                report("load-udp", 1_000, 1_000, 0, 256, 0)), Map.of("udp-metrics", 100L)).get(0);
        assertThat(leak.addsUp()).isFalse();
    }

    private static PipelineReport report(String name, long received, long delivered, long dropped, int capacity,
                                         int buffered) {
        String policy = name.startsWith("load") ? "block" : name.startsWith("udp") ? "drop-newest" : "overwrite-oldest";
        return new PipelineReport(name, policy, capacity, received, delivered, dropped, 0, 0, buffered, true,
                "RUNNING");
    }
}
