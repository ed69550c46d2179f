package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    /** Every source type on the test class path: the built-in ones and the test-only {@code memory}, {@code gated}, {@code slow}. */
    static final String SOURCES = "memory, gated, generator, dir, tcp, udp, http, websocket, grpc, rsocket, zmq-pull, zmq-sub,"
            + " kafka, resp";
    static final String SINKS = "memory, slow, stdout, discard, file, tcp, udp, http, websocket, grpc, rsocket, zmq-push,"
            + " zmq-pub, kafka, resp, priority-queue";

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
        assertThat(logs.source().options().values()).containsEntry("concurrency", 2).containsEntry("glob", "*.log");
        assertThat(logs.source().line()).isEqualTo(7);
        assertThat(logs.overflow()).isEqualTo(new GatewayConfig.OverflowSpec("overwrite-oldest", 64));
        assertThat(logs.steps()).extracting(GatewayConfig.Step::type)
                .containsExactly("filter-header", "set-header", "sample");
        assertThat(logs.sink().options().values()).containsEntry("flushInterval", Duration.ofMillis(500));
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
                            "line 4: pipeline 'a' source: unknown transport 'tcpp' (known: " + SOURCES + ")",
                            "line 5: pipeline 'a' overflow capacity must be at least 1, was 0",
                            "line 6: pipeline 'a' sink file needs 'path'",
                            "line 7: pipeline name 'a' is used twice",
                            "line 8: pipeline 'a' source generator count must be at least 1, was -3",
                            "line 8: pipeline 'a' source generator: unknown option 'colour' (known: count, size, interval, rate, devices)",
                            "line 9: pipeline 'a' overflow policy must be one of drop-newest, overwrite-oldest, block, fail, priority, persistent, was 'drop-oldest'",
                            "line 11: pipeline 'a' step: unknown step 'explode' (known: filter-header, set-header, rename-header, sample, delay, stats, parse-json)",
                            "line 12: pipeline 'a' step sample every must be a whole number, was 'often'",
                            "line 13: pipeline 'a': 'dir' cannot be used as a sink (sinks: " + SINKS + ")",
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

    private static List<String> errors(String... lines) {
        String yaml = String.join("\n", lines) + "\n";
        try {
            GatewayConfig.parse(yaml);
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected:\n" + yaml);
    }

    @Test
    void missingSourceAndMissingSink() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: generator}"))
                .containsExactly("line 2: pipeline 'a' has no source", "line 4: pipeline 'b' has no sink");
    }

    @Test
    void duplicateKeys() {
        assertThat(errors(
                "drainTimeout: 1s",
                "pipelines:",
                "  - name: a",
                "    source: {type: generator}",
                "    sink: {type: stdout}",
                "    sink: {type: discard}",
                "drainTimeout: 2s"))
                .containsExactly("line 6: pipeline 'a': 'sink' is given twice",
                        "line 7: top level: 'drainTimeout' is given twice");
    }

    @Test
    void badSourceAndSinkPorts() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, port: 70000}",
                "    sink: {type: udp, port: -1}",
                "  - name: b",
                "    source: {type: http, port: 99999999999}",
                "    sink: {type: websocket, port: 0}"))
                .containsExactly(
                        "line 3: pipeline 'a' source tcp port must be a port between 0 and 65535, was 70000",
                        "line 4: pipeline 'a' sink udp port must be a port between 0 and 65535, was -1",
                        "line 6: pipeline 'b' source http port is too large: 99999999999",
                        "line 7: pipeline 'b' sink websocket port must be the port of the receiver, not 0 (0 means"
                                + " any free port, which only a server can use)");
    }

    @Test
    void valuesOutsideTheirAllowedSet() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, port: 7000, framing: bogus}",
                "    overflow: {policy: drop-everything, capacity: 8}",
                "    steps:",
                "      - {type: parse-json, fields: [a], onError: shrug}",
                "    sink: {type: pigeon}"))
                .containsExactly(
                        "line 3: pipeline 'a' source tcp framing must be one of newline, length-prefixed, was 'bogus'",
                        "line 4: pipeline 'a' overflow policy must be one of drop-newest, overwrite-oldest, block, fail, priority, persistent,"
                                + " was 'drop-everything'",
                        "line 6: pipeline 'a' step parse-json onError must be one of drop, fail, was 'shrug'",
                        "line 7: pipeline 'a' sink: unknown transport 'pigeon' (known: " + SINKS + ")");
    }

    @Test
    void delayTakesEveryAsAWholeNumberOfAtLeastOneAndDefaultsToOne() throws Exception {
        GatewayConfig c = GatewayConfig.parse(String.join("\n",
                "pipelines:",
                "  - name: a",
                "    source: {type: generator}",
                "    steps: [{type: delay, per: 1ms, every: 40}, {type: delay, per: 60us}]",
                "    sink: {type: stdout}", ""));
        List<GatewayConfig.Step> steps = c.pipelines().get(0).steps();
        assertThat(steps.get(0).options()).containsEntry("per", Duration.ofMillis(1)).containsEntry("every", 40);
        assertThat(steps.get(1).options()).containsEntry("per", Duration.ofNanos(60_000)).containsEntry("every", 1);
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator}",
                "    steps:",
                "      - {type: delay, per: 1ms, every: 0}",
                "      - {type: delay, per: 1ms, every: often}",
                "      - {type: delay, every: 5}",
                "    sink: {type: stdout}"))
                .containsExactly(
                        "line 5: pipeline 'a' step delay every must be at least 1, was 0",
                        "line 6: pipeline 'a' step delay every must be a whole number, was 'often'",
                        "line 7: pipeline 'a' step delay needs 'per'");
    }

    @Test
    void capacityZeroAndPipelineEntriesThatAreNotMappings() {
        assertThat(errors(
                "pipelines:",
                "  - just-a-name",
                "  - name: a",
                "    source: {type: generator}",
                "    overflow: {policy: block, capacity: 0}",
                "    sink: {type: stdout}",
                "  - [1, 2]"))
                .containsExactly(
                        "line 2: pipeline #1 must be a mapping with name, source and sink",
                        "line 5: pipeline 'a' overflow capacity must be at least 1, was 0",
                        "line 7: pipeline #3 must be a mapping with name, source and sink");
    }

    @Test
    void twoPipelinesBindingTheSamePort() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, host: 127.0.0.1, port: 7000}",
                "    sink: {type: stdout}",
                "  - name: b",
                "    source: {type: http, port: 7000}",                    // default host 127.0.0.1
                "    sink: {type: stdout}",
                "  - name: c",
                "    source: {type: udp, port: 7000}",                     // UDP: another port space
                "    sink: {type: stdout}",
                "  - name: d",
                "    source: {type: websocket, host: 0.0.0.0, port: 7001}",
                "    sink: {type: stdout}",
                "  - name: e",
                "    source: {type: grpc, host: 127.0.0.2, port: 7001}",   // clashes with the wildcard
                "    sink: {type: tcp, port: 7000}",                       // connects: no clash
                "  - name: f",
                "    source: {type: generator}",
                "    sink: {type: rsocket, port: 7001, mode: stream}"))     // a stream sink binds
                .containsExactly(
                        "line 6: pipeline 'b' source binds tcp 127.0.0.1:7000, which pipeline 'a' binds already (line 3)",
                        "line 15: pipeline 'e' source binds tcp 127.0.0.2:7001, which pipeline 'd' binds already"
                                + " (line 12)",
                        "line 19: pipeline 'f' sink binds tcp 127.0.0.1:7001, which pipeline 'd' binds already"
                                + " (line 12)");
    }

    @Test
    void brokenYamlReportsItsLine() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: generator",
                "    sink: {type: stdout}"))
                .singleElement().satisfies(e -> assertThat(e).startsWith("line 4: not valid YAML: "));
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "\tsource: {type: generator}"))
                .singleElement().satisfies(e -> assertThat(e).matches("line 3: not valid YAML: .*"));
        // a character YAML does not allow: no mark from the parser, the line comes from its position
        assertThat(errors(
                "pipelines:",
                "  - name: a\u0001",
                "    source: {type: generator}"))
                .singleElement().satisfies(e -> assertThat(e).startsWith("line 2: not valid YAML: ")
                        .contains("special characters are not allowed"));
    }

    @Test
    void emptyFilesAndTopLevelsThatAreNotMappingsAreExplained() {
        for (String empty : List.of("", "# nothing yet\n", "\n\n")) {
            assertThatThrownBy(() -> GatewayConfig.parse(empty))
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                            .satisfies(err -> {
                                assertThat(err.line()).isZero();
                                assertThat(err.message()).isEqualTo(
                                        "the file is empty: it must be a mapping with a 'pipelines' list");
                            }));
        }
        assertThat(errors("", "- a", "- b")).containsExactly("line 2: the file must be a mapping with a 'pipelines' list");
    }
    @Test
    void everyClashIsReportedByPipelineNameAndLine() {
        assertThat(errors(
                "admin: {port: 7000}",                                          // 1
                "pipelines:",                                                   // 2
                "  - name: web",                                                // 3
                "    source: {type: http, port: 7000}",                         // 4: the admin port
                "    sink: {type: stdout}",                                     // 5
                "  - name: raw",                                                // 6
                "    source: {type: tcp, host: 127.0.0.1, port: 7001}",         // 7
                "    sink: {type: stdout}",                                     // 8
                "  - name: pull",                                               // 9
                "    source: {type: zmq-pull, endpoint: 'tcp://127.0.0.1:7001'}", // 10: binds by default
                "    sink: {type: stdout}",                                     // 11
                "  - name: push",                                               // 12
                "    source: {type: generator}",                                // 13
                "    sink: {type: zmq-push, endpoint: 'tcp://127.0.0.1:7001'}", // 14: connects: no clash
                "  - name: local",                                              // 15
                "    source: {type: websocket, host: localhost, port: 7001}",   // 16: localhost is 127.0.0.1
                "    sink: {type: stdout}",                                     // 17
                "  - name: broken",                                             // 18
                "    source: {type: tcp, port: 7002, framing: bogus}",          // 19: has an error of its own
                "    steps:",                                                   // 20
                "      - {type: explode}",                                      // 21
                "    sink: {type: stdout}",                                     // 22
                "  - name: everywhere",                                         // 23
                "    source: {type: grpc, host: 0.0.0.0, port: 7002}",          // 24
                "    sink: {type: stdout}",                                     // 25
                "  - name: bound-pub",                                          // 26
                "    source: {type: generator}",                                // 27
                "    sink: {type: zmq-pub, endpoint: 'tcp://*:7000', bind: true}")) // 28
                .containsExactly(
                        "line 4: pipeline 'web' source binds tcp 127.0.0.1:7000, which the admin server binds already"
                                + " (line 1)",
                        "line 10: pipeline 'pull' source binds tcp 127.0.0.1:7001, which pipeline 'raw' binds already"
                                + " (line 7)",
                        "line 16: pipeline 'local' source binds tcp localhost:7001, which pipeline 'raw' binds already"
                                + " (line 7)",
                        "line 19: pipeline 'broken' source tcp framing must be one of newline, length-prefixed,"
                                + " was 'bogus'",
                        "line 21: pipeline 'broken' step: unknown step 'explode' (known: filter-header, set-header,"
                                + " rename-header, sample, delay, stats, parse-json)",
                        "line 24: pipeline 'everywhere' source binds tcp 0.0.0.0:7002, which pipeline 'broken' binds"
                                + " already (line 19)",
                        "line 28: pipeline 'bound-pub' sink binds tcp *:7000, which the admin server binds already"
                                + " (line 1)");
    }

    @Test
    void numbersMayBeWrittenAsText() throws Exception {
        GatewayConfig c = GatewayConfig.parse(String.join("\n",
                "admin: {port: '9091'}",
                "pipelines:",
                "  - name: a",
                "    source: {type: tcp, port: \"7001\", maxConnections: ' 8 '}",
                "    overflow: {capacity: '32'}",
                "    sink: {type: stdout}"));
        assertThat(c.admin()).contains(new GatewayConfig.Admin("127.0.0.1", 9091));
        assertThat(c.pipelines().get(0).source().options().integer("port")).isEqualTo(7001);
        assertThat(c.pipelines().get(0).source().options().integer("maxConnections")).isEqualTo(8);
        assertThat(c.pipelines().get(0).overflow().capacity()).isEqualTo(32);
        assertThat(errors("pipelines:", "  - name: a", "    source: {type: tcp, port: 'seven'}",
                "    sink: {type: stdout}"))
                .containsExactly("line 3: pipeline 'a' source tcp port must be a whole number, was 'seven'");
    }

    @Test
    void optionsOfTheOtherSideAreNamedAsSuch() {
        assertThat(errors(
                "pipelines:",
                "  - name: a",
                "    source: {type: grpc, port: 7000, mode: unary}",
                "    sink: {type: tcp, port: 7001, maxConnections: 3}"))
                .containsExactly(
                        "line 3: pipeline 'a' source grpc: unknown option 'mode' (it applies to a sink only)",
                        "line 4: pipeline 'a' sink tcp: unknown option 'maxConnections' (it applies to a source only)");
    }

    @Test
    void udpIsUnsequencedUnlessSaidOtherwise() throws Exception {
        GatewayConfig c = GatewayConfig.parse("pipelines:\n  - source: {type: udp, port: 7000}\n"
                + "    sink: {type: udp, port: 7001, sequenced: true}\n");
        assertThat(c.pipelines().get(0).source().options().bool("sequenced")).isFalse();
        assertThat(c.pipelines().get(0).sink().options().bool("sequenced")).isTrue();
    }
}
