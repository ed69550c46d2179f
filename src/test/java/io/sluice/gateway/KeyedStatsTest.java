package io.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.Message;
import io.sluice.stats.StatsSnapshot;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code stats} step's groups: measures, the key cap with its {@code _other} group, gauges, skips. */
class KeyedStatsTest {

    private static Message msg(String payload, String... headers) {
        Message.Builder b = Message.builder().payload(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String key) {
        Gauge g = registry.find(name).tag("key", key).gauge();
        assertThat(g).as(name + " for key " + key).isNotNull();
        return g.value();
    }

    @Test
    void measuresPayloadSizesInOneGroupWithGauges() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KeyedStats stats = new KeyedStats("p", null, null, registry);
        assertThat(stats.measure()).isEqualTo("size");
        stats.record(msg("abcd"));
        stats.record(msg("ab"));
        Map<String, StatsSnapshot> s = stats.snapshot();
        assertThat(s).containsOnlyKeys("all");
        assertThat(s.get("all").count()).isEqualTo(2);
        assertThat(s.get("all").mean()).isEqualTo(3.0);
        assertThat(gauge(registry, "sluice.stats.count", "all")).isEqualTo(2.0);
        assertThat(gauge(registry, "sluice.stats.mean", "all")).isEqualTo(3.0);
        assertThat(gauge(registry, "sluice.stats.stddev", "all")).isEqualTo(1.0);
        assertThat(gauge(registry, "sluice.stats.min", "all")).isEqualTo(2.0);
        assertThat(gauge(registry, "sluice.stats.max", "all")).isEqualTo(4.0);
        Gauge count = registry.find("sluice.stats.count").gauge();
        assertThat(count.getId().getTag("pipeline")).isEqualTo("p");
        assertThat(count.getId().getTag("measure")).isEqualTo("size");
    }

    @Test
    void measuresAHeaderByKeyAndSkipsMissingOrNonNumericValues() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KeyedStats stats = new KeyedStats("p", "temp", "room", registry);
        assertThat(stats.measure()).isEqualTo("temp");
        stats.record(msg("x", "temp", "20.5", "room", "a"));
        stats.record(msg("x", "temp", "21.5", "room", "a"));
        stats.record(msg("x", "temp", "7", "room", "b"));
        stats.record(msg("x", "temp", "3"));                       // no key header
        stats.record(msg("x", "room", "a"));                       // no value: skipped
        stats.record(msg("x", "temp", "warm", "room", "a"));       // not a number: skipped
        stats.record(msg("x", "temp", "NaN", "room", "a"));        // not finite: skipped
        Map<String, StatsSnapshot> s = stats.snapshot();
        assertThat(s.keySet()).containsExactly("_none", "a", "b");
        assertThat(s.get("a").mean()).isEqualTo(21.0);
        assertThat(s.get("b").sum()).isEqualTo(7.0);
        assertThat(s.get("_none").sum()).isEqualTo(3.0);
        assertThat(stats.skipped()).isEqualTo(3);
        assertThat(registry.find("sluice.stats.count").tag("measure", "temp").gauges()).hasSize(3);
    }

    @Test
    void keysBeyondTheCapAreFoldedIntoOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KeyedStats stats = new KeyedStats("p", null, "k", registry);
        for (int i = 0; i < KeyedStats.MAX_KEYS - 1; i++) {
            stats.record(msg("x", "k", "key" + i));
        }
        assertThat(stats.snapshot()).hasSize(KeyedStats.MAX_KEYS - 1).doesNotContainKey(KeyedStats.OTHER);
        stats.record(msg("xx", "k", "last"));                // the 1000th key still gets its own group
        stats.record(msg("xxx", "k", "one-too-many"));
        stats.record(msg("xxxx", "k", "another"));
        stats.record(msg("xxxxx", "k", "last"));             // an existing key keeps its group
        Map<String, StatsSnapshot> s = stats.snapshot();
        assertThat(s).hasSize(KeyedStats.MAX_KEYS + 1).containsKey("last").doesNotContainKeys("one-too-many", "another");
        assertThat(s.get("last").count()).isEqualTo(2);
        assertThat(s.get(KeyedStats.OTHER).count()).isEqualTo(2);
        assertThat(s.get(KeyedStats.OTHER).sum()).isEqualTo(7.0);
        assertThat(registry.find("sluice.stats.count").gauges()).hasSize(KeyedStats.MAX_KEYS + 1);
        assertThat(gauge(registry, "sluice.stats.count", KeyedStats.OTHER)).isEqualTo(2.0);
    }
}
