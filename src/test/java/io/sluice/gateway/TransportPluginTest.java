package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.transport.spi.EndpointType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A transport that lives only on the test class path ({@code io.sluice.testtransport}, one services
 * line) is found, validated like the built-in ones, and carries a pipeline: nothing in the gateway
 * names it.
 */
class TransportPluginTest {

    @Test
    void aTestOnlyTransportIsFoundAndCarriesAPipeline() throws Exception {
        assertThat(GatewayConfig.transports().find("memory")).hasValueSatisfying(t -> {
            assertThat(t.offersSource()).isTrue();
            assertThat(t.offersSink()).isTrue();
        });
        String yaml = "pipelines:\n"
                + "  - name: into-memory\n"
                + "    source: {type: generator, count: 200, size: 5}\n"
                + "    sink: {type: memory, channel: plugin-test, prefetch: 8}\n"
                + "  - name: out-of-memory\n"
                + "    source: {type: memory, channel: plugin-test, tag: yaml}\n"
                + "    steps:\n"
                + "      - {type: filter-header, name: via, equals: yaml}\n"
                + "    sink: {type: stdout}\n";
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), stdout);
        g.done().block(Duration.ofSeconds(30));
        List<PipelineReport> r = g.report();
        assertThat(r).extracting(PipelineReport::outcome).containsExactly("COMPLETED", "COMPLETED");
        assertThat(r.get(1).received()).isEqualTo(200);
        assertThat(r.get(1).delivered()).as("every message carries the source's tag").isEqualTo(200);
        assertThat(stdout.toString(StandardCharsets.UTF_8).lines()).hasSize(200);
    }

    @Test
    void itsOptionsAreValidatedLikeTheBuiltInOnes() {
        String yaml = String.join("\n",
                "pipelines:",
                "  - name: a",
                "    source: {type: memory, channel: c, colour: red}",
                "    sink: {type: memory, channel: d, prefetch: 0}",
                "  - name: b",
                "    source: {type: memory, prefetch: 3}",
                "    sink: {type: memory, channel: e, tag: x}",
                "  - name: c",
                "    source:",
                "      type: memory",
                "      channel: f",
                "      auth:",
                "        retries: -1",
                "        colour: red",
                "    sink: {type: memory, channel: g, auth: {user: u, retries: '2'}}",
                "");
        assertThatThrownBy(() -> GatewayConfig.parse(yaml)).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.errors()).extracting(ConfigError::toString).containsExactly(
                        "line 3: pipeline 'a' source memory: unknown option 'colour' (known: channel, tag, auth)",
                        "line 4: pipeline 'a' sink memory prefetch must be at least 1, was 0",
                        "line 6: pipeline 'b' source memory: unknown option 'prefetch' (it applies to a sink only)",
                        "line 6: pipeline 'b' source memory needs 'channel'",
                        "line 7: pipeline 'b' sink memory: unknown option 'tag' (it applies to a source only)",
                        "line 12: pipeline 'c' source memory auth.user: missing",
                        "line 13: pipeline 'c' source memory auth.retries: must be 0 or more, was -1",
                        "line 14: pipeline 'c' source memory auth.colour: unknown option (known: user, retries)"));
    }

    @Test
    void theRegistryListsTheBuiltInTypesOnce() {
        assertThat(GatewayConfig.transports().types()).extracting(EndpointType::name).doesNotHaveDuplicates()
                .contains("generator", "dir", "file", "stdout", "discard", "tcp", "udp", "http", "websocket", "grpc",
                        "rsocket", "zmq-pull", "zmq-sub", "zmq-push", "zmq-pub", "memory");
    }
}
