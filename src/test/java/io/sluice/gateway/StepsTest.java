package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The built-in processing steps, one by one and in a configured pipeline. */
class StepsTest {

    @TempDir
    Path tmp;

    private final LongAdder filtered = new LongAdder();

    private List<Message> apply(String type, Map<String, Object> options, Message... in) {
        return Steps.build(new GatewayConfig.Step(type, options, 1), m -> filtered.increment(), s -> {
            throw new AssertionError("no stats step here");
        }).apply(Flux.just(in)).collectList().block(Duration.ofSeconds(10));
    }

    private static Message msg(long seq, String... headers) {
        Message.Builder b = Message.builder().payload(("m" + seq).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .sequence(seq).timestamp(1_000 + seq).key("k" + seq);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    @Test
    void renameHeaderMovesTheValueAndKeepsTheRestOfTheMessage() {
        List<Message> out = apply("rename-header", Map.of("from", "dev", "to", "device"),
                msg(1, "dev", "d-1", "kind", "temp"), msg(2, "kind", "hum"));

        assertThat(out).hasSize(2);
        Message renamed = out.get(0);
        assertThat(renamed.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("device", "d-1", "kind", "temp"));
        assertThat(renamed.payloadUtf8()).isEqualTo("m1");
        assertThat(renamed.sequence()).isEqualTo(1);
        assertThat(renamed.timestamp()).isEqualTo(1_001);
        assertThat(renamed.key()).contains("k1");
        // without the header the message passes unchanged
        assertThat(out.get(1)).isEqualTo(msg(2, "kind", "hum"));
        assertThat(filtered.sum()).isZero();
    }

    @Test
    void filterHeaderWithAValueRejectsMissingHeadersAndOtherValuesAndCountsThem() {
        List<Message> out = apply("filter-header", Map.of("name", "kind", "equals", "temp"),
                msg(1, "kind", "temp"), msg(2, "kind", "humidity"), msg(3), msg(4, "KIND", "temp"),
                msg(5, "kind", "temp", "x", "y"), msg(6, "kind", "Temp"));

        assertThat(out).extracting(Message::sequence).containsExactly(1L, 5L);
        assertThat(filtered.sum()).isEqualTo(4);
    }

    @Test
    void filterHeaderWithoutAValueKeepsEveryMessageThatHasTheHeader() {
        List<Message> out = apply("filter-header", Map.of("name", "device"),
                msg(1, "device", "a"), msg(2), msg(3, "device", "b"), msg(4, "other", "a"));

        assertThat(out).extracting(Message::sequence).containsExactly(1L, 3L);
        assertThat(filtered.sum()).isEqualTo(2);
    }

    @Test
    void parseJsonWithOnErrorFailEndsTheStreamAtTheFirstBadPayload() {
        Flux<Message> in = Flux.just(Message.builder().payload("{\"device\":\"d1\"}".getBytes()).sequence(0).build(),
                Message.builder().payload("not json".getBytes()).sequence(1).build(),
                Message.builder().payload("{\"device\":\"d2\"}".getBytes()).sequence(2).build());
        List<Message> seen = new java.util.ArrayList<>();
        assertThatThrownBy(() -> Steps.build(new GatewayConfig.Step("parse-json",
                        Map.of("fields", List.of("device"), "onError", "fail"), 1), m -> filtered.increment(), s -> null)
                .apply(in).doOnNext(seen::add).blockLast(Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("message 1 is not a JSON object");
        assertThat(seen).singleElement().satisfies(m -> assertThat(m.headers()).containsEntry("device", "d1"));
        assertThat(filtered.sum()).as("fail does not count the bad message as filtered").isZero();
    }

    @Test
    void parseJsonWithOnErrorDropFiltersTheBadPayloadAndGoesOn() {
        List<Message> out = apply("parse-json", Map.of("fields", List.of("device")),
                Message.ofUtf8("{\"device\":\"d1\"}"), Message.ofUtf8("{\"device\":"), Message.ofUtf8("{\"device\":\"d2\"}"));
        assertThat(out).extracting(m -> m.header("device").orElse(null)).containsExactly("d1", "d2");
        assertThat(filtered.sum()).isEqualTo(1);
    }

    /** Emission times (ns) of the delay step's output, through StepVerifier; returns them in order. */
    private static long[] delayed(int messages, Map<String, Object> options) {
        long[] at = new long[messages];
        int[] i = {0};
        Flux<Message> out = Steps.build(new GatewayConfig.Step("delay", options, 1), m -> { }, s -> null)
                .apply(Flux.range(0, messages).map(n -> msg(n)));
        StepVerifier.create(out.doOnNext(m -> at[i[0]++] = System.nanoTime()))
                .expectNextCount(messages)
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        return at;
    }

    @Test
    void delayWithEveryPausesOnlyOnEveryNthMessage() {
        long per = Duration.ofMillis(40).toNanos();
        long start = System.nanoTime();
        long[] at = delayed(50, Map.of("per", Duration.ofMillis(40), "every", 10));
        long total = at[49] - start;
        // messages 10, 20, 30, 40 and 50 (indexes 9, 19, ...) each waited 40 ms before going on
        for (int k = 9; k < 50; k += 10) {
            assertThat(at[k] - at[k - 1]).as("gap before message index %d", k).isGreaterThanOrEqualTo(per);
        }
        // 5 pauses: 200 ms; a pause per message would be 50 (2,000 ms): the bound leaves a loaded machine 1.4 s
        assertThat(total).as("5 pauses, not 50").isGreaterThanOrEqualTo(5 * per).isLessThan(40 * per);
    }

    @Test
    void delayWithoutEveryPausesOnEachMessage() {
        long per = Duration.ofMillis(40).toNanos();
        long start = System.nanoTime();
        long[] at = delayed(6, Map.of("per", Duration.ofMillis(40), "every", 1));
        assertThat(at[0] - start).isGreaterThanOrEqualTo(per);
        for (int k = 1; k < 6; k++) {
            assertThat(at[k] - at[k - 1]).as("gap before message index %d", k).isGreaterThanOrEqualTo(per);
        }
        // an options map without "every" (built programmatically) means every message as well
        long start2 = System.nanoTime();
        long[] at2 = delayed(3, Map.of("per", Duration.ofMillis(40)));
        assertThat(at2[2] - start2).isGreaterThanOrEqualTo(3 * per);
    }

    @Test
    void configuredStepsFilterRenameAndCountInTheReport() throws Exception {
        Path out = tmp.resolve("out.txt");
        String yaml = "pipelines:\n"
                + "  - name: iot\n"
                + "    source: {type: generator, count: 300, devices: 3}\n"
                + "    steps:\n"
                + "      - {type: parse-json, fields: [device, temp]}\n"
                + "      - {type: filter-header, name: device, equals: device-1}\n"
                + "      - {type: rename-header, from: device, to: sensor}\n"
                + "      - {type: filter-header, name: sensor}\n"
                + "      - {type: stats, value: temp, by: sensor}\n"
                + "    sink: {type: file, path: '" + out + "'}\n";
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), new ByteArrayOutputStream());
        g.done().block(Duration.ofSeconds(30));

        PipelineReport r = g.report().get(0);
        assertThat(r.outcome()).isEqualTo("COMPLETED");
        assertThat(r.received()).isEqualTo(300);
        assertThat(r.delivered()).isEqualTo(100);
        assertThat(r.filtered()).isEqualTo(200);
        assertThat(r.addsUp()).isTrue();
        assertThat(Files.readAllLines(out)).hasSize(100).allSatisfy(l -> assertThat(l).contains("\"device-1\""));
        // the stats step groups by the renamed header: only device-1 got through
        assertThat(g.stats()).singleElement().satisfies(l -> {
            assertThat(l.key()).isEqualTo("device-1");
            assertThat(l.stats().count()).isEqualTo(100);
        });
    }

    @Test
    void configuredParseJsonFailFailsThePipeline() throws Exception {
        String yaml = "pipelines:\n"
                + "  - name: strict\n"
                + "    source: {type: generator, count: 50, size: 8}\n"
                + "    steps:\n"
                + "      - {type: parse-json, fields: [device], onError: fail}\n"
                + "    sink: {type: discard}\n";
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), new ByteArrayOutputStream());
        g.done().block(Duration.ofSeconds(30));

        PipelineReport r = g.report().get(0);
        assertThat(r.outcome()).isEqualTo("FAILED");
        assertThat(r.delivered()).isZero();
        assertThat(r.filtered()).isZero();
    }
}
