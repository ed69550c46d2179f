package io.sluice.gateway;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sluice.Ack;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStopped;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.Metered;
import io.sluice.transport.TransportMetrics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/** One running gateway pipeline: source, counted; overflow stage; steps; counted; sink. */
final class PipelineRun {
    final String name;
    final OverflowStage overflow;
    final LongAdder received = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder filtered = new LongAdder();
    /**
     * Handed to a sink that acknowledges, and not acknowledged yet (still counted by a persistent
     * stage), unless the stage counts them itself ({@link OverflowStage#awaitingAck()}).
     */
    final LongAdder inSink = new LongAdder();
    final List<KeyedStats> stats = new CopyOnWriteArrayList<>();
    private final Map<String, PipelineStopped> ends;
    private final AtomicBoolean closed = new AtomicBoolean();
    PipelineHandle handle;
    TransportMetrics transport;
    CounterSnapshot counts;
    io.sluice.transport.resilience.ResilientSink resilient;

    private PipelineRun(String name, OverflowStage overflow, Map<String, PipelineStopped> ends) {
        this.name = name;
        this.overflow = overflow;
        this.ends = ends;
    }

    static PipelineRun start(GatewayConfig.PipelineSpec spec, Source<Message> source, Sink<Message> sink,
                             MeterRegistry registry, EventDispatcher events, Map<String, PipelineStopped> ends) {
        OverflowStage overflow = OverflowStage.of(spec.overflow(), spec.name(), events);
        PipelineRun r = new PipelineRun(spec.name(), overflow, ends);
        Tags tags = Tags.of("pipeline", spec.name());
        // held by the pipeline: Micrometer keeps only a weak reference to a function counter's object
        CounterSnapshot counts = new CounterSnapshot(r.received::sum, r.delivered::sum, overflow::dropped);
        r.counts = counts;
        FunctionCounter.builder("sluice.messages.received", counts, c -> c.read(CounterSnapshot.RECEIVED))
                .tags(tags).register(registry);
        var receivedBytes = registry.counter("sluice.bytes.received", tags);
        FunctionCounter.builder("sluice.messages.delivered", counts, c -> c.read(CounterSnapshot.DELIVERED))
                .tags(tags).register(registry);
        var deliveredBytes = registry.counter("sluice.bytes.delivered", tags);
        overflow.register(registry, tags, counts);
        Gauge.builder("sluice.messages.filtered", r.filtered, LongAdder::sum).tags(tags).register(registry);
        if (source instanceof Metered metered) {
            TransportMetrics tm = metered.metrics();
            r.transport = tm;
            Gauge.builder("sluice.transport.connections", tm, TransportMetrics::connectionsActive)
                    .tags(tags).tag("transport", tm.transport()).register(registry);
            tm.pipeline(spec.name());
            for (String reason : TransportMetrics.REASONS) {
                FunctionCounter.builder("sluice.transport.errors", tm, t -> t.errors(reason))
                        .tags(tags).tag("transport", tm.transport()).tag("reason", reason)
                        .description("rejected connections and messages, by reason").register(registry);
            }
            for (String reason : TransportMetrics.CLOSE_REASONS) {
                FunctionCounter.builder("sluice.transport.closed", tm, t -> t.closed(reason))
                        .tags(tags).tag("transport", tm.transport()).tag("reason", reason)
                        .description("connections the source closed for a liveness limit, by reason").register(registry);
            }
            // A late datagram is first counted lost, then taken back (once); a counter must not
            // go down (Prometheus would take it for a reset), so this one reports the highest
            // count seen. TransportMetrics#lost() has the exact figure.
            AtomicLong lostSoFar = new AtomicLong();
            FunctionCounter.builder("sluice.transport.lost", tm, t -> lostSoFar.accumulateAndGet(t.lost(), Math::max))
                    .tags(tags).tag("transport", tm.transport())
                    .description("datagrams lost in transit (sequence gaps; highest count seen)")
                    .register(registry);
        }
        if (sink instanceof io.sluice.transport.resilience.ResilientSink rs) {
            r.resilient = rs;
            FunctionCounter.builder("sluice.sink.retries", rs, io.sluice.transport.resilience.ResilientSink::resent)
                    .tags(tags).description("messages the sink sent again after a reconnect").register(registry);
            FunctionCounter.builder("sluice.sink.reconnects", rs, io.sluice.transport.resilience.ResilientSink::reconnects)
                    .tags(tags).description("failed sink attempts that were retried").register(registry);
            FunctionCounter.builder("sluice.sink.dead.lettered", rs, io.sluice.transport.resilience.ResilientSink::deadLettered)
                    .tags(tags).description("messages the receiver refused for good, written to the dead-letter file")
                    .register(registry);
        }
        Timer latency = Timer.builder("sluice.pipeline.latency")
                .description("time from a message's timestamp (creation or receipt) to its hand-off to the sink")
                .tags(tags).register(registry);

        Pipeline<Message> p = Pipeline.from(source).named(spec.name()).events(events)
                .via(f -> f.doOnNext(m -> {
                    r.received.increment();
                    receivedBytes.increment(m.size());
                }));
        p = overflow.append(p);
        for (GatewayConfig.Step step : spec.steps()) {
            Function<Flux<Message>, Flux<Message>> stage = Steps.build(step, m -> {
                r.filtered.increment();
                m.ack();
            }, st -> {
                KeyedStats ks = new KeyedStats(spec.name(), (String) st.options().get("value"),
                        (String) st.options().get("by"), registry);
                r.stats.add(ks);
                return ks;
            });
            p = p.via(stage);
        }
        boolean sinkAcks = sink.acknowledges();
        // a stage that counts its delivered, unacknowledged messages itself needs no wrapper per message
        boolean countInSink = overflow.awaitingAck() < 0;
        p = p.via(f -> f.map(m -> {
            latency.record(Math.max(0, System.currentTimeMillis() - m.timestamp()), TimeUnit.MILLISECONDS);
            r.delivered.increment();
            deliveredBytes.increment(m.size());
            if (!sinkAcks) {
                m.ack(); // the sink cannot tell when its destination has it: done at hand-off
                return m;
            }
            if (!m.awaitsAck() || !countInSink) {
                return m;
            }
            r.inSink.increment();
            return m.withAck(Ack.once(() -> {
                r.inSink.decrement();
                m.ack();
            }));
        }));
        try {
            r.handle = p.to(sink).start();
        } catch (RuntimeException e) {
            overflow.close();
            throw e;
        }
        return r;
    }

    /** Releases the overflow stage's files and threads, once; call after the pipeline has ended. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            overflow.close();
        }
    }

    /**
     * @return messages handed to a sink that acknowledges and not acknowledged yet: counted here, or
     *     (a stage that counts its own) the stage's unacknowledged ones minus those still in steps
     */
    private long inSink() {
        long waiting = overflow.awaitingAck();
        if (waiting < 0) {
            return inSink.sum();
        }
        long inSteps = overflow.deliveredDownstream() - delivered.sum() - filtered.sum();
        return Math.max(0, waiting - Math.max(0, inSteps));
    }

    PipelineReport report() {
        PipelineStopped end = ends.get(name);
        String outcome = end == null ? "RUNNING" : end.outcome().name();
        // A message in a sink that acknowledges is counted delivered, and its record still held on disk.
        int buffered = (int) Math.max(0, overflow.buffered() - inSink());
        return new PipelineReport(name, overflow.label(), overflow.capacity(), received.sum(), delivered.sum(),
                overflow.dropped(), filtered.sum(), overflow.discarded(), buffered, handle.isRunning(),
                outcome, overflow.replayed(), overflow.diskBytes(), overflow.diskMaxBytes(),
                resilient == null ? 0 : resilient.deadLettered(), resilient == null ? 0 : resilient.resent());
    }
}
