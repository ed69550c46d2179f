package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Boundaries and defaults of the configuration reader that {@link GatewayConfigTest} leaves open
 * (found by mutation testing): a file without pipelines, the port and capacity limits, servers on
 * port 0, admin defaults, every duration unit and the option kinds. Only the public
 * {@link GatewayConfig#parse(String)} / {@link ConfigException} API is used.
 */
class ConfigReaderMutationTest {

    private static List<String> errors(String... lines) {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> GatewayConfig.parse(String.join("\n", lines)));
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    /**
     * An endpoint's converted options as text ({@code name=value}); read through the record's
     * {@code toString} so the test does not depend on how the options are stored (a plain map here,
     * a typed options object after the transport-provider rewrite).
     */
    private static String options(GatewayConfig.Endpoint e) {
        return e.toString();
    }

    private static GatewayConfig parse(String... lines) throws ConfigException {
        return GatewayConfig.parse(String.join("\n", lines));
    }

    @Test
    void aFileWithoutPipelinesIsAConfigErrorNotACrash() {
        assertThat(errors("drainTimeout: 2s")).containsExactly("line 1: no 'pipelines' list: nothing to run");
        assertThat(errors("admin: {port: 9000}", "drainTimeout: 1s"))
                .containsExactly("line 1: no 'pipelines' list: nothing to run");
        assertThat(errors("pipelines:")).containsExactly("line 1: 'pipelines' must be a non-empty list");
        assertThat(errors("pipelines: []")).containsExactly("line 1: 'pipelines' must be a non-empty list");
        assertThat(errors("pipelines: {name: a}")).containsExactly("line 1: 'pipelines' must be a non-empty list");
    }

    @Test
    void portsUpTo65535AreAcceptedAnd65536IsNot() throws ConfigException {
        GatewayConfig c = parse(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, port: 65535}",
                "    sink: {type: udp, port: 1}");
        assertThat(options(c.pipelines().get(0).source())).contains("port=65535");
        assertThat(options(c.pipelines().get(0).sink())).contains("port=1");
        assertThat(parse("admin: {port: 65535}", "pipelines: [{source: {type: generator}, sink: {type: stdout}}]")
                .admin()).contains(new GatewayConfig.Admin("127.0.0.1", 65535));
        assertThat(errors(
                "admin: {port: 65536}",
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, port: 65536}",
                "    sink: {type: stdout}"))
                .containsExactly(
                        "line 1: admin port must be a port between 0 and 65535, was 65536",
                        "line 4: pipeline 'a' source tcp port must be a port between 0 and 65535, was 65536");
    }

    @Test
    void capacityOneAndCountOneAreTheSmallestAccepted() throws ConfigException {
        GatewayConfig c = parse(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator, count: 1, size: 1}",
                "    overflow: {policy: fail, capacity: 1}",
                "    sink: {type: stdout}");
        GatewayConfig.PipelineSpec p = c.pipelines().get(0);
        assertThat(p.overflow()).isEqualTo(new GatewayConfig.OverflowSpec("fail", 1));
        assertThat(options(p.source())).contains("count=1").contains("size=1");
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator, count: 0}",
                "    sink: {type: stdout}"))
                .containsExactly("line 3: pipeline 'a' source generator count must be at least 1, was 0");
    }

    @Test
    void overflowDefaultsAndPartialOverflowMappings() throws ConfigException {
        GatewayConfig c = parse(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator}",
                "    overflow: {capacity: 8}",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: generator}",
                "    overflow: {policy: drop-newest}",
                "    sink: {type: stdout}");
        assertThat(c.pipelines().get(0).overflow()).isEqualTo(new GatewayConfig.OverflowSpec("block", 8));
        assertThat(c.pipelines().get(1).overflow()).isEqualTo(new GatewayConfig.OverflowSpec("drop-newest", 256));
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator}",
                "    overflow: drop-newest",
                "    sink: {type: stdout}"))
                .containsExactly("line 4: pipeline 'a': 'overflow' must be a mapping with policy and capacity");
    }

    @Test
    void twoServersOnPort0DoNotClash() throws ConfigException {
        GatewayConfig c = parse(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, port: 0}",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: tcp, port: 0}",
                "    sink: {type: stdout}");
        assertThat(c.pipelines()).extracting(GatewayConfig.PipelineSpec::name).containsExactly("a", "b");
    }

    @Test
    void sameHostDifferentPortsAndDifferentHostsSamePortDoNotClash() throws ConfigException {
        GatewayConfig c = parse(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, host: 127.0.0.1, port: 7000}",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: tcp, host: 127.0.0.1, port: 7001}",
                "    sink: {type: stdout}",
                "  - name: c",
                "    source: {type: http, host: 127.0.0.2, port: 7000}",
                "    sink: {type: stdout}",
                "  - name: d",
                "    source: {type: rsocket, port: 7000, host: 127.0.0.3}",
                "    sink: {type: rsocket, port: 7000, host: 127.0.0.1}");   // a channel sink connects
        assertThat(c.pipelines()).hasSize(4);
        // the same pairs with wildcards on either side clash
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, host: 127.0.0.1, port: 7000}",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: tcp, host: '::', port: 7000}",
                "    sink: {type: stdout}"))
                .containsExactly("line 6: pipeline 'b' source binds tcp :::7000, which pipeline 'a' binds already"
                        + " (line 3)");
    }

    @Test
    void adminDefaultsAndAdminThatIsNotAMapping() throws ConfigException {
        assertThat(parse("admin: {}", "pipelines: [{source: {type: generator}, sink: {type: stdout}}]").admin())
                .contains(new GatewayConfig.Admin("127.0.0.1", 9090));
        assertThat(parse("admin: {host: 0.0.0.0}", "pipelines: [{source: {type: generator}, sink: {type: stdout}}]")
                .admin()).contains(new GatewayConfig.Admin("0.0.0.0", 9090));
        GatewayConfig noAdmin = parse("pipelines: [{source: {type: generator}, sink: {type: stdout}}]");
        assertThat(noAdmin.admin()).isEmpty();
        assertThat(noAdmin.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(noAdmin.pipelines().get(0).name()).isEqualTo("pipeline-1");
        assertThat(errors("admin: 9090", "pipelines: [{source: {type: generator}, sink: {type: stdout}}]"))
                .containsExactly("line 1: 'admin' must be a mapping with host and port");
    }

    @Test
    void everyDurationUnit() throws ConfigException {
        String[][] cases = {{"200us", "PT0.0002S"}, {"500ms", "PT0.5S"}, {"5s", "PT5S"}, {"2m", "PT2M"},
            {"1h", "PT1H"}, {" 3 S ", "PT3S"}};
        for (String[] c : cases) {
            GatewayConfig config = parse("drainTimeout: '" + c[0] + "'",
                    "pipelines: [{source: {type: generator}, sink: {type: stdout}}]");
            assertThat(config.drainTimeout()).as(c[0]).isEqualTo(Duration.parse(c[1]));
        }
        assertThat(Durations.parse("7ms")).isEqualTo(Duration.ofMillis(7));
        assertThat(errors("drainTimeout: 5", "pipelines: [{source: {type: generator}, sink: {type: stdout}}]"))
                .containsExactly("line 1: drainTimeout must be a duration like 200us, 500ms, 5s, 2m or 1h, was 5");
        assertThat(errors("drainTimeout: 5d", "pipelines: [{source: {type: generator}, sink: {type: stdout}}]"))
                .containsExactly("line 1: drainTimeout must be a duration like 200us, 500ms, 5s, 2m or 1h, was '5d'");
    }

    @Test
    void optionKindsConvertAndExplain() throws ConfigException {
        GatewayConfig c = parse(
                "pipelines:",
                "  - name: 42",
                "    source: {type: zmq-sub, endpoint: 'tcp://127.0.0.1:5555', bind: yes, topics: [a, b]}",
                "    steps:",
                "      - {type: parse-json, fields: [x, y], onError: drop}",
                "    sink: {type: file, path: out.log, append: false}");
        GatewayConfig.PipelineSpec p = c.pipelines().get(0);
        assertThat(p.name()).isEqualTo("42");
        assertThat(options(p.source())).contains("bind=true").contains("topics=[a, b]")
                .contains("endpoint=tcp://127.0.0.1:5555");
        assertThat(options(p.sink())).contains("append=false");
        assertThat(p.steps()).singleElement().satisfies(s -> {
            assertThat(s.type()).isEqualTo("parse-json");
            assertThat(s.options()).containsEntry("fields", List.of("x", "y")).containsEntry("onError", "drop");
            assertThat(s.line()).isEqualTo(5);
        });
        assertThat(errors(
                "pipelines:",
                "  - name: ''",
                "    source: {type: zmq-sub, endpoint: [x], bind: 1, topics: [a, [b]]}",
                "    steps:",
                "      - {type: parse-json, fields: x}",
                "    sink: {type: file, path: {a: 1}, append: 'true'}"))
                .satisfiesExactly(
                        e -> assertThat(e).startsWith("line 2: pipeline").endsWith(" name must not be empty"),
                        e -> assertThat(e).isEqualTo("line 3: pipeline 'pipeline-1' source zmq-sub endpoint must be text, was a list"),
                        e -> assertThat(e).isEqualTo("line 3: pipeline 'pipeline-1' source zmq-sub bind must be true or false, was 1"),
                        e -> assertThat(e).isEqualTo("line 3: pipeline 'pipeline-1' source zmq-sub topics must be a list of text values, was a list"),
                        e -> assertThat(e).isEqualTo("line 5: pipeline 'pipeline-1' step parse-json fields must be a list of text values, was 'x'"),
                        e -> assertThat(e).isEqualTo("line 6: pipeline 'pipeline-1' sink file path must be text, was a mapping"),
                        e -> assertThat(e).isEqualTo("line 6: pipeline 'pipeline-1' sink file append must be true or false, was 'true'"));
    }

    @Test
    void stepsThatAreNotAListAndStepsWithoutAType() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator}",
                "    steps: {type: sample, every: 2}",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: generator}",
                "    steps:",
                "      - {every: 2}",
                "      - sample",
                "      - {type: sample, every: -1}",
                "      - {type: stdout}",
                "    sink: {type: stdout, extra: 1}"))
                .satisfiesExactly(
                        e -> assertThat(e).isEqualTo("line 4: pipeline 'a': 'steps' must be a list"),
                        e -> assertThat(e).startsWith("line 9: pipeline 'b' step has no 'type' (known: ")
                                .contains("sample"),
                        e -> assertThat(e).isEqualTo("line 10: pipeline 'b' step must be a mapping with a 'type'"),
                        e -> assertThat(e).isEqualTo("line 11: pipeline 'b' step sample every must be at least 1, was -1"),
                        e -> assertThat(e).startsWith("line 12: pipeline 'b' step: unknown step 'stdout' (known: ")
                                .contains("sample"),
                        e -> assertThat(e).isEqualTo("line 13: pipeline 'b' sink stdout: unknown option 'extra'"
                                + " (known: retry, deadLetter)")); // every sink takes the resilience options
    }

    @Test
    void aSourceOnlyTypeAsSinkAndASinkOnlyTypeAsSource() {
        // the lists of known types follow the catalog, so only their start is checked
        List<String> errors = errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: stdout}",
                "    sink: {type: generator}");
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).startsWith("line 3: pipeline 'a': 'stdout' cannot be used as a source (sources: ")
                .contains("generator");
        assertThat(errors.get(1)).startsWith("line 4: pipeline 'a': 'generator' cannot be used as a sink (sinks: ")
                .contains("stdout");
    }
}
