package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GatewayDemoTest {

    @Test
    void everyPipelineAddsUpAndTheOverloadedOneDrops() {
        StringWriter text = new StringWriter();
        List<GatewayDemo.Row> rows = GatewayDemo.run(Duration.ofSeconds(3), new PrintWriter(text, true), false, -1);
        Map<String, GatewayDemo.Row> byName = rows.stream().collect(Collectors.toMap(GatewayDemo.Row::name,
                Function.identity()));

        assertThat(byName).containsOnlyKeys("tcp-telemetry", "udp-metrics", "http-logs", "ws-chat");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.addsUp()).as(r.toString()).isTrue();
            assertThat(r.sent()).as(r.name()).isPositive();
            assertThat(r.outcome()).isEqualTo("STOPPED");
        });
        for (String lossless : List.of("tcp-telemetry", "http-logs", "ws-chat")) {
            assertThat(byName.get(lossless).lost()).as(lossless).isZero();
        }
        for (String blocking : List.of("http-logs", "ws-chat")) {
            assertThat(byName.get(blocking).dropped()).as(blocking).isZero();
            assertThat(byName.get(blocking).delivered()).isEqualTo(byName.get(blocking).sent());
        }
        assertThat(byName.get("udp-metrics").dropped()).isPositive();
        assertThat(text.toString()).contains("msg/s").contains("adds up").doesNotContain(" NO ");
    }
}
