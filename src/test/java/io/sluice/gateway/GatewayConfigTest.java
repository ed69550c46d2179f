package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    static final String VALID = String.join("\n",
            "admin:",
            "  host: 127.0.0.1",
            "  port: 0",
            "drainTimeout: 2s",
            "pipelines:",
            "  - name: logs",
            "    source: {type: dir, path: /var/log/in, glob: '*.log', concurrency: 2}",
            "    overflow: {policy: overwrite-oldest, capacity: 64}",
            "    steps:",
            "      - {type: filter-header, name: path}",
            "      - {type: set-header, name: gateway, value: edge-1}",
            "      - {type: sample, every: 2}",
            "    sink: {type: file, path: out.log, format: length-prefixed, flushInterval: 500ms}",
            "  - name: gen",
            "    source: {type: generator, count: 10, size: 18}",
            "    sink: {type: stdout}",
            "");

    @Test
    void parsesAValidConfig() throws Exception {
        GatewayConfig c = GatewayConfig.parse(VALID);
        assertThat(c.admin()).contains(new GatewayConfig.Admin("127.0.0.1", 0));
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.pipelines()).hasSize(2);
        GatewayConfig.PipelineSpec logs = c.pipelines().get(0);
        assertThat(logs.name()).isEqualTo("logs");
        assertThat(logs.source().type()).isEqualTo("dir");
        assertThat(logs.source().options()).containsEntry("concurrency", 2).containsEntry("glob", "*.log");
        assertThat(logs.source().line()).isEqualTo(7);
        assertThat(logs.overflow()).isEqualTo(new GatewayConfig.OverflowSpec("overwrite-oldest", 64));
        assertThat(logs.steps()).extracting(GatewayConfig.Step::type)
                .containsExactly("filter-header", "set-header", "sample");
        assertThat(logs.sink().options()).containsEntry("flushInterval", Duration.ofMillis(500));
        GatewayConfig.PipelineSpec gen = c.pipelines().get(1);
        assertThat(gen.overflow()).isEqualTo(new GatewayConfig.OverflowSpec("block", 256));
        assertThat(gen.steps()).isEmpty();
    }

    @Test
    void reportsEveryErrorWithItsLine() {
        String yaml = String.join("\n",
                "admin: {port: 70000}",                                        // 1
                "pipelines:",                                                   // 2
                "  - name: a",                                                  // 3
                "    source: {type: tcpp, port: 1}",                            // 4
                "    overflow: {policy: drop-newest, capacity: 0}",             // 5
                "    sink: {type: file}",                                       // 6
                "  - name: a",                                                  // 7
                "    source: {type: generator, count: -3, colour: red}",        // 8
                "    overflow: {policy: drop-oldest}",                          // 9
                "    steps:",                                                   // 10
                "      - {type: explode}",                                      // 11
                "      - {type: sample, every: often}",                         // 12
                "    sink: {type: dir, path: x}",                               // 13
                "  - name: c",                                                  // 14
                "    source: {type: generator}",                                // 15
                "");
        assertThatThrownBy(() -> GatewayConfig.parse(yaml))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    List<String> lines = e.errors().stream().map(ConfigError::toString).toList();
                    assertThat(lines).containsExactly(
                            "line 1: admin port must be a port between 0 and 65535, was 70000",
                            "line 4: pipeline 'a' source: unknown transport 'tcpp' (known: generator, dir, tcp, udp, http, grpc, rsocket, zmq-pull, zmq-sub, websocket)",
                            "line 5: pipeline 'a' overflow capacity must be at least 1, was 0",
                            "line 6: pipeline 'a' sink file needs 'path'",
                            "line 7: pipeline name 'a' is used twice",
                            "line 8: pipeline 'a' source generator count must be at least 1, was -3",
                            "line 8: pipeline 'a' source generator: unknown option 'colour' (known: count, size, interval, rate, devices)",
                            "line 9: pipeline 'a': unknown overflow policy 'drop-oldest' (known: drop-newest, overwrite-oldest, block, fail)",
                            "line 11: pipeline 'a' step: unknown step 'explode' (known: filter-header, set-header, rename-header, sample, delay, stats, parse-json)",
                            "line 12: pipeline 'a' step sample every must be a whole number, was 'often'",
                            "line 13: pipeline 'a': 'dir' cannot be used as a sink (sinks: file, stdout, discard, tcp, udp, http, grpc, rsocket, zmq-push, zmq-pub, websocket)",
                            "line 14: pipeline 'c' has no sink");
                });
    }

    @Test
    void rejectsBrokenYamlAndEmptyFiles() {
        assertThatThrownBy(() -> GatewayConfig.parse("pipelines: [\n  {name: x\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> assertThat(err.message()).startsWith("not valid YAML")));
        assertThatThrownBy(() -> GatewayConfig.parse(""))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors().get(0).message())
                        .contains("pipelines"));
        assertThatThrownBy(() -> GatewayConfig.parse("pipelines: []\nextra: 1\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactly("line 1: 'pipelines' must be a non-empty list",
                                "line 2: top level: unknown key 'extra' (known: admin, drainTimeout, pipelines)"));
    }

    @Test
    void quotedNumbersAreTextAndBadDurationsAreReported() {
        String yaml = "pipelines:\n  - source: {type: generator, interval: soon}\n    sink: {type: file, path: 123}\n";
        assertThatThrownBy(() -> GatewayConfig.parse(yaml))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                        .containsExactly("line 2: pipeline 'pipeline-1' source generator interval must be a duration like 200us, 500ms, 5s, 2m or 1h, was 'soon'"));
    }
}
