package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.event.EventDispatcher;
import io.sluice.persist.Fsync;
import io.sluice.persist.WhenFull;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code overflow: {policy: persistent}} in YAML: validation, delivery through the log, restart, meters. */
class PersistentGatewayTest {

    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @TempDir
    Path tmp;

    private String pipeline(String overflow, String source, String steps, Path out) {
        return "pipelines:\n"
                + "  - name: durable\n"
                + "    source: " + source + "\n"
                + "    overflow: " + overflow + "\n"
                + steps
                + "    sink: {type: file, path: '" + out + "', flushInterval: 10ms}\n";
    }

    @Test
    void yamlSettingsReachTheSpec() throws Exception {
        Path log = tmp.resolve("log");
        GatewayConfig c = GatewayConfig.parse(pipeline("{policy: persistent, path: '" + log
                + "', maxBytes: 8MiB, whenFull: drop-newest, fsync: always}", "{type: generator}", "", tmp.resolve("o")));
        GatewayConfig.PersistentSpec p = c.pipelines().get(0).overflow().persistent();
        assertThat(p.path()).isEqualTo(log.toAbsolutePath());
        assertThat(p.maxBytes()).isEqualTo(8L << 20);
        assertThat(p.whenFull()).isEqualTo(WhenFull.DROP_NEWEST);
        assertThat(p.fsync()).isSameAs(Fsync.ALWAYS);

        GatewayConfig d = GatewayConfig.parse(pipeline("{policy: persistent, path: '" + log + "'}", "{type: generator}",
                "", tmp.resolve("o")));
        GatewayConfig.PersistentSpec dp = d.pipelines().get(0).overflow().persistent();
        assertThat(dp.maxBytes()).isEqualTo(1L << 30);
        assertThat(dp.whenFull()).isEqualTo(WhenFull.BLOCK);
        assertThat(dp.fsync().interval()).isEqualTo(Duration.ofMillis(10));
        assertThat(GatewayConfig.parse(pipeline("{policy: block}", "{type: generator}", "", tmp.resolve("o")))
                .pipelines().get(0).overflow().persistent()).isNull();
    }

    @Test
    void badPersistentSettingsAreReportedWithTheirLines() {
        String yaml = "pipelines:\n"
                + "  - name: a\n"
                + "    source: {type: generator}\n"
                + "    overflow: {policy: persistent}\n"
                + "    sink: {type: discard}\n"
                + "  - name: b\n"
                + "    source: {type: generator}\n"
                + "    overflow: {policy: block, path: /tmp/x}\n"
                + "    sink: {type: discard}\n"
                + "  - name: c\n"
                + "    source: {type: generator}\n"
                + "    overflow: {policy: persistent, path: /tmp/sluice-same, fsync: sometimes}\n"
                + "    sink: {type: discard}\n"
                + "  - name: d\n"
                + "    source: {type: generator}\n"
                + "    overflow: {policy: persistent, path: /tmp/sluice-same, whenFull: overwrite}\n"
                + "    sink: {type: discard}\n"
                + "  - name: e\n"
                + "    source: {type: generator}\n"
                + "    overflow: {policy: persistent, path: /tmp/sluice-same2}\n"
                + "    sink: {type: discard}\n"
                + "  - name: f\n"
                + "    source: {type: generator}\n"
                + "    overflow: {policy: persistent, path: /tmp/sluice-same2/../sluice-same2}\n"
                + "    sink: {type: discard}\n";
        assertThatThrownBy(() -> GatewayConfig.parse(yaml)).isInstanceOfSatisfying(ConfigException.class, e -> {
            List<String> lines = e.errors().stream().map(ConfigError::toString).toList();
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("line 4").contains("pipeline 'a'")
                    .contains("needs a 'path'"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("line 8").contains("'path' applies to policy"
                    + " persistent only (this one is block)"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("line 12")
                    .contains("fsync must be always, never or a duration such as 10ms, was 'sometimes'"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("line 16").contains("whenFull"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("line 24")
                    .contains("is already the log of another pipeline"));
        });
    }

    @Test
    void deliversEveryMessageThroughTheLogAndExportsItsMeters() throws Exception {
        Path out = tmp.resolve("out.txt");
        Path log = tmp.resolve("log");
        String yaml = pipeline("{policy: persistent, path: '" + log + "', fsync: 5ms}",
                "{type: generator, count: 3000, devices: 7}", "", out);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g = Gateway.start(GatewayConfig.parse(yaml), registry, new EventDispatcher(), new ByteArrayOutputStream());
        g.done().block(Duration.ofSeconds(30));
        g.stop().block(Duration.ofSeconds(10));

        assertThat(seqs(out)).hasSize(3000).containsAll(range(0, 3000));
        PipelineReport r = g.report().get(0);
        assertThat(r.policy()).isEqualTo("persistent");
        assertThat(r.received()).isEqualTo(3000);
        assertThat(r.delivered()).isEqualTo(3000);
        assertThat(r.buffered()).isZero();
        assertThat(r.replayed()).isZero();
        assertThat(r.addsUp()).isTrue();
        String scrape = registry.scrape();
        assertThat(scrape).contains("sluice_persistent_records{pipeline=\"durable\"} 0.0")
                .contains("sluice_persistent_redelivered_total{pipeline=\"durable\"} 0.0")
                .contains("sluice_persistent_corrupt_total{pipeline=\"durable\"} 0.0")
                .contains("sluice_persistent_oldest_unacked_age_seconds{pipeline=\"durable\"}")
                .contains("sluice_persistent_bytes{pipeline=\"durable\"}")
                .contains("sluice_overflow_dropped_total{pipeline=\"durable\",policy=\"persistent\"} 0.0")
                .contains("sluice_persistent_fsync_seconds_bucket{pipeline=\"durable\",le=");
        Matcher fsyncs = Pattern.compile("sluice_persistent_fsync_seconds_count\\{pipeline=\"durable\"} (\\d+)")
                .matcher(scrape);
        assertThat(fsyncs.find()).isTrue();
        assertThat(Long.parseLong(fsyncs.group(1))).isPositive();
    }

    @Test
    void whatAStoppedPipelineLeavesOnDiskIsDeliveredAfterTheNextStart() throws Exception {
        Path log = tmp.resolve("log");
        Path first = tmp.resolve("first.txt");
        // Run 1: a slow step (20 ms a message) and a short drain: most of the 400 messages stay on disk.
        String slow = pipeline("{policy: persistent, path: '" + log + "', fsync: always}",
                "{type: generator, count: 400, devices: 3}", "    steps:\n      - {type: delay, per: 20ms}\n", first);
        Gateway g1 = Gateway.start(GatewayConfig.parse(slow), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                new EventDispatcher(), new ByteArrayOutputStream());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (g1.report().get(0).received() < 400 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        g1.stop(Duration.ofMillis(100)).onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(Duration.ofSeconds(10));
        PipelineReport r1 = g1.report().get(0);
        assertThat(r1.received()).isEqualTo(400);
        assertThat(r1.delivered()).isLessThan(400);
        assertThat(r1.buffered()).as("left on disk").isPositive();
        assertThat(r1.addsUp()).as(r1.toString()).isTrue();

        // Run 2: same log, fast pipeline, one new message: the backlog comes first, in order.
        Path second = tmp.resolve("second.txt");
        String fast = pipeline("{policy: persistent, path: '" + log + "'}", "{type: generator, count: 1, devices: 1}", "",
                second);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway g2 = Gateway.start(GatewayConfig.parse(fast), registry, new EventDispatcher(), new ByteArrayOutputStream());
        deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (g2.report().get(0).delivered() < g2.report().get(0).replayed() + 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        g2.stop().block(Duration.ofSeconds(10));
        PipelineReport r2 = g2.report().get(0);
        // What run 1 left on disk; more when the file sink's last acknowledgements came after the log closed.
        assertThat(r2.replayed()).as("what run 1 left on disk").isGreaterThanOrEqualTo(r1.buffered());
        assertThat(r2.delivered()).isEqualTo(r2.replayed() + 1);
        assertThat(r2.buffered()).isZero();
        assertThat(r2.addsUp()).as(r2.toString()).isTrue();
        List<Long> replayed = seqList(second);
        assertThat(replayed.subList(0, replayed.size() - 1)).isSorted();
        Set<Long> all = new HashSet<>(seqs(first));
        all.addAll(replayed);
        // The hand-off queue in front of the log is memory: what the drain timeout cut off there was never
        // written (counted as discarded). Everything that reached the log is delivered by run 1 or run 2:
        // the file sink acknowledges a record only once its bytes were written out.
        assertThat(all).as("every message of run 1 that reached the log, delivered by run 1 or run 2")
                .containsAll(range(0, 400 - r1.discarded()));
        assertThat(registry.scrape()).contains("sluice_persistent_redelivered_total{pipeline=\"durable\"} "
                + r2.replayed() + ".0");
    }

    @Test
    void aLogThatCannotBeOpenedStopsStartupNamingThePipeline() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        String yaml = pipeline("{policy: persistent, path: '" + notADir + "'}", "{type: generator}", "", tmp.resolve("o"));
        assertThatThrownBy(() -> Gateway.start(GatewayConfig.parse(yaml),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new EventDispatcher(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(GatewayStartException.class, e -> {
                    assertThat(e.part()).isEqualTo("durable");
                    assertThat(e.getMessage()).startsWith("pipeline 'durable' cannot start: ").contains(notADir.toString());
                });
    }

    private static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.range(from, to).boxed().toList();
    }

    private static List<Long> seqList(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(SEQ::matcher).filter(Matcher::find)
                .map(m -> Long.parseLong(m.group(1))).toList();
    }

    private static Set<Long> seqs(Path file) throws Exception {
        return new HashSet<>(seqList(file));
    }
}
