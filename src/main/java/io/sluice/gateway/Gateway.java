package io.sluice.gateway;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStopped;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowPolicy;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.stats.StatsRecorder;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs the pipelines of a {@link GatewayConfig}: source, counted; overflow stage; steps; counted;
 * sink. Every pipeline feeds Micrometer meters tagged {@code pipeline=<name>}:
 * {@code sluice.messages.received}, {@code sluice.messages.delivered}, {@code sluice.bytes.received},
 * {@code sluice.bytes.delivered}, {@code sluice.messages.filtered}, {@code sluice.overflow.dropped}
 * (also tagged {@code policy}), {@code sluice.overflow.buffered}, {@code sluice.overflow.capacity},
 * and, with a {@code stats} step, {@code sluice.message.size.mean|stddev|max}.
 */
public final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final List<Running> pipelines;

    private Gateway(GatewayConfig config, List<Running> pipelines) {
        this.config = config;
        this.pipelines = pipelines;
    }

    /**
     * Starts every pipeline of {@code config}.
     *
     * @param config validated configuration
     * @param registry where meters are registered
     * @param events receives pipeline lifecycle and drop events
     * @param stdout where {@code stdout} sinks write
     * @return the running gateway
     */
    public static Gateway start(GatewayConfig config, MeterRegistry registry, EventDispatcher events, OutputStream stdout) {
        Objects.requireNonNull(config, "config");
        List<Running> running = new ArrayList<>();
        Map<String, PipelineStopped> ends = new ConcurrentHashMap<>();
        events.on(PipelineStopped.class, e -> ends.put(e.pipeline(), e));
        try {
            for (GatewayConfig.PipelineSpec spec : config.pipelines()) {
                running.add(Running.start(spec, registry, events, stdout, ends));
            }
        } catch (RuntimeException e) {
            running.forEach(r -> r.handle.cancel());
            throw e;
        }
        LOG.info("gateway started {} pipeline(s)", running.size());
        return new Gateway(config, running);
    }

    /**
     * Stops ingesting on every pipeline and drains within the configured drain timeout.
     *
     * @return completes when every pipeline stopped (errors if one could not drain in time)
     */
    public Mono<Void> stop() {
        return stop(config.drainTimeout());
    }

    /**
     * @param drainTimeout how long buffered messages may take to reach the sinks
     * @return completes when every pipeline stopped
     */
    public Mono<Void> stop(Duration drainTimeout) {
        List<Mono<Void>> stops = new ArrayList<>();
        for (Running r : pipelines) {
            stops.add(r.handle.stop(drainTimeout).onErrorResume(e -> r.handle.done().onErrorResume(x -> Mono.empty())
                    .then(Mono.error(e))));
        }
        return Mono.whenDelayError(stops);
    }

    /** @return completes when every pipeline has terminated, whatever the outcome */
    public Mono<Void> done() {
        return Mono.when(pipelines.stream().map(r -> r.handle.done().onErrorResume(e -> Mono.empty())).toList());
    }

    /** @return the accounting of every pipeline, in configuration order */
    public List<PipelineReport> report() {
        return pipelines.stream().map(Running::report).toList();
    }

    /** One running pipeline with its counters. */
    private static final class Running {
        final String name;
        final OverflowPolicy<Message> policy;
        final LongAdder received = new LongAdder();
        final LongAdder delivered = new LongAdder();
        final LongAdder filtered = new LongAdder();
        final Map<String, PipelineStopped> ends;
        PipelineHandle handle;

        private Running(String name, OverflowPolicy<Message> policy, Map<String, PipelineStopped> ends) {
            this.name = name;
            this.policy = policy;
            this.ends = ends;
        }

        static Running start(GatewayConfig.PipelineSpec spec, MeterRegistry registry, EventDispatcher events,
                             OutputStream stdout, Map<String, PipelineStopped> ends) {
            OverflowPolicy<Message> policy = policy(spec.overflow()).named(spec.name()).events(events);
            Running r = new Running(spec.name(), policy, ends);
            Tags tags = Tags.of("pipeline", spec.name());
            var receivedCount = registry.counter("sluice.messages.received", tags);
            var receivedBytes = registry.counter("sluice.bytes.received", tags);
            var deliveredCount = registry.counter("sluice.messages.delivered", tags);
            var deliveredBytes = registry.counter("sluice.bytes.delivered", tags);
            Gauge.builder("sluice.overflow.dropped", policy, OverflowPolicy::dropped).tags(tags)
                    .tag("policy", policy.kind().label()).register(registry);
            Gauge.builder("sluice.overflow.buffered", policy, OverflowPolicy::buffered).tags(tags).register(registry);
            Gauge.builder("sluice.overflow.capacity", policy, OverflowPolicy::capacity).tags(tags).register(registry);
            Gauge.builder("sluice.messages.filtered", r.filtered, LongAdder::sum).tags(tags).register(registry);

            StatsRecorder sizes = new StatsRecorder();
            if (spec.steps().stream().anyMatch(s -> s.type().equals("stats"))) {
                Gauge.builder("sluice.message.size.mean", sizes, s -> s.snapshot().mean()).tags(tags).register(registry);
                Gauge.builder("sluice.message.size.stddev", sizes, s -> s.snapshot().stddev()).tags(tags).register(registry);
                Gauge.builder("sluice.message.size.max", sizes, s -> s.snapshot().max()).tags(tags).register(registry);
            }
            Source<Message> source = Endpoints.source(spec.source());
            Sink<Message> sink = Endpoints.sink(spec.sink(), stdout);

            Pipeline<Message> p = Pipeline.from(source).named(spec.name()).events(events)
                    .via(f -> f.doOnNext(m -> {
                        r.received.increment();
                        receivedCount.increment();
                        receivedBytes.increment(m.size());
                    }))
                    .overflow(policy);
            for (GatewayConfig.Step step : spec.steps()) {
                Function<Flux<Message>, Flux<Message>> stage = Steps.build(step, r.filtered, sizes);
                p = p.via(stage);
            }
            p = p.via(f -> f.doOnNext(m -> {
                r.delivered.increment();
                deliveredCount.increment();
                deliveredBytes.increment(m.size());
            }));
            r.handle = p.to(sink).start();
            return r;
        }

        PipelineReport report() {
            PipelineStopped end = ends.get(name);
            String outcome = end == null ? "RUNNING" : end.outcome().name();
            return new PipelineReport(name, policy.kind().label(), policy.capacity(), received.sum(), delivered.sum(),
                    policy.dropped(), filtered.sum(), policy.discardedOnCancel(), policy.buffered(),
                    handle.isRunning(), outcome);
        }
    }

    static OverflowPolicy<Message> policy(GatewayConfig.OverflowSpec spec) {
        switch (spec.policy()) {
            case "drop-newest":
                return Overflow.dropNewest(spec.capacity());
            case "overwrite-oldest":
                return Overflow.overwriteOldest(spec.capacity());
            case "fail":
                return Overflow.fail(spec.capacity());
            default:
                return Overflow.block(spec.capacity());
        }
    }
}
