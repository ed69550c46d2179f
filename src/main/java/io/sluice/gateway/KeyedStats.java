package io.sluice.gateway;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sluice.Message;
import io.sluice.stats.StatsRecorder;
import io.sluice.stats.StatsSnapshot;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Running stats of a {@code stats} step: one {@link StatsRecorder} per value of the {@code by}
 * header (or a single {@code all} group), measuring either the payload size or the number in the
 * {@code value} header. Each group gets gauges {@code sluice.stats.count|mean|stddev|min|max}
 * tagged {@code pipeline}, {@code measure} and {@code key}. At most {@link #MAX_KEYS} groups are
 * kept; further keys are folded into {@code _other} so memory and metric cardinality stay bounded.
 * Messages whose value header is missing or not a number are counted in {@link #skipped()}.
 */
final class KeyedStats {

    static final int MAX_KEYS = 1000;
    static final String OTHER = "_other";

    private final String pipeline;
    private final String valueHeader;
    private final String byHeader;
    private final MeterRegistry registry;
    private final Map<String, StatsRecorder> groups = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder skipped = new java.util.concurrent.atomic.LongAdder();

    KeyedStats(String pipeline, String valueHeader, String byHeader, MeterRegistry registry) {
        this.pipeline = pipeline;
        this.valueHeader = valueHeader;
        this.byHeader = byHeader;
        this.registry = registry;
    }

    String measure() {
        return valueHeader == null ? "size" : valueHeader;
    }

    void record(Message m) {
        double v;
        if (valueHeader == null) {
            v = m.size();
        } else {
            String text = m.headers().get(valueHeader);
            try {
                v = text == null ? Double.NaN : Double.parseDouble(text);
            } catch (NumberFormatException e) {
                v = Double.NaN;
            }
            if (!Double.isFinite(v)) {
                skipped.increment();
                return;
            }
        }
        String key = byHeader == null ? "all" : m.headers().getOrDefault(byHeader, "_none");
        group(key).record(v);
    }

    private StatsRecorder group(String key) {
        StatsRecorder r = groups.get(key);
        if (r != null) {
            return r;
        }
        String k = groups.size() >= MAX_KEYS ? OTHER : key;
        return groups.computeIfAbsent(k, this::register);
    }

    private StatsRecorder register(String key) {
        StatsRecorder r = new StatsRecorder(pipeline + "/" + measure() + "/" + key);
        Tags tags = Tags.of("pipeline", pipeline, "measure", measure(), "key", key);
        Gauge.builder("sluice.stats.count", r, x -> x.snapshot().count()).tags(tags).register(registry);
        Gauge.builder("sluice.stats.mean", r, x -> x.snapshot().mean()).tags(tags).register(registry);
        Gauge.builder("sluice.stats.stddev", r, x -> x.snapshot().stddev()).tags(tags).register(registry);
        Gauge.builder("sluice.stats.min", r, x -> x.snapshot().min()).tags(tags).register(registry);
        Gauge.builder("sluice.stats.max", r, x -> x.snapshot().max()).tags(tags).register(registry);
        return r;
    }

    /** @return a snapshot per group, sorted by key */
    Map<String, StatsSnapshot> snapshot() {
        Map<String, StatsSnapshot> out = new TreeMap<>();
        groups.forEach((k, r) -> out.put(k, r.snapshot()));
        return out;
    }

    long skipped() {
        return skipped.sum();
    }
}
