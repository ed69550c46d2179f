package io.sluice.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.Message;
import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStopped;
import io.sluice.health.HealthState;
import io.sluice.overflow.Overflow;
import io.sluice.overflow.OverflowPolicy;
import io.sluice.pipeline.PipelineHandle;
import io.sluice.pipeline.Sink;
import io.sluice.pipeline.Source;
import io.sluice.transport.Listening;
import io.sluice.transport.spi.EndpointContext;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs the pipelines of a {@link GatewayConfig}: source, counted; overflow stage; steps; counted;
 * sink. Every pipeline feeds Micrometer meters tagged {@code pipeline=<name>}:
 * {@code sluice.messages.received}, {@code sluice.messages.delivered}, {@code sluice.bytes.received},
 * {@code sluice.bytes.delivered}, {@code sluice.messages.filtered}, {@code sluice.pipeline.latency}
 * (timer: message timestamp to sink hand-off), for server sources {@code sluice.transport.connections}
 * (gauge) and the counters {@code sluice.transport.errors} (also tagged {@code reason}, one of
 * {@code TransportMetrics.REASONS}), {@code sluice.transport.closed} (connections closed for a
 * liveness limit, tagged {@code reason}, one of {@code TransportMetrics.CLOSE_REASONS}) and
 * {@code sluice.transport.lost},
 * the counter {@code sluice.overflow.dropped} (also tagged {@code policy}), the gauges
 * {@code sluice.overflow.buffered} (queue depth) and {@code sluice.overflow.capacity},
 * and, for each {@code stats} step, {@code sluice.stats.count|mean|stddev|min|max} per group (see
 * {@code KeyedStats}). Counters are exported to Prometheus with a {@code _total} suffix, so
 * {@code rate()} applies to them. The received, delivered and dropped counts of a pipeline are read
 * together (downstream first), so {@code delivered + dropped <= received} holds in every scrape.
 */
public final class Gateway {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Longest wait for a server source to bind; a failure to bind ends the wait at once. */
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(5);

    private final GatewayConfig config;
    private final List<PipelineRun> pipelines;
    private final List<PipelineRun> startOrder;
    private final HealthState health;

    private Gateway(GatewayConfig config, List<PipelineRun> pipelines, List<PipelineRun> startOrder,
                    HealthState health) {
        this.startOrder = List.copyOf(startOrder);
        this.config = config;
        this.pipelines = pipelines;
        this.health = health;
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
        return start(config, registry, events, stdout, new HealthState());
    }

    /**
     * Starts every pipeline of {@code config}, reporting to {@code health}: every pipeline is
     * registered (starting) first, each becomes running once its endpoints have bound, and start-up
     * completes after the last one (see {@link GatewayHealth}).
     *
     * @param config validated configuration
     * @param registry where meters are registered
     * @param events receives pipeline lifecycle and drop events
     * @param stdout where {@code stdout} sinks write
     * @param health what the admin server's {@code /health} endpoints answer from
     * @return the running gateway
     */
    public static Gateway start(GatewayConfig config, MeterRegistry registry, EventDispatcher events, OutputStream stdout,
                                HealthState health) {
        Objects.requireNonNull(config, "config");
        List<GatewayConfig.PipelineSpec> specs = config.pipelines();
        Map<String, PipelineStopped> ends = new ConcurrentHashMap<>();
        events.on(PipelineStopped.class, e -> ends.put(e.pipeline(), e));
        GatewayHealth.register(health, specs, events);
        // Servers first: a pipeline whose sink connects to a server of this same gateway must not
        // start before that server has bound.
        List<Integer> order = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < specs.size(); i++) {
                if ((pass == 0) == isServer(specs.get(i))) {
                    order.add(i);
                }
            }
        }
        PipelineRun[] started = new PipelineRun[specs.size()];
        List<PipelineRun> startOrder = new ArrayList<>();
        try {
            for (int i : order) {
                GatewayConfig.PipelineSpec spec = specs.get(i);
                EndpointContext context = new EndpointContext(spec.name(), events, stdout);
                Source<Message> source = spec.source().source(context);
                Sink<Message> sink = spec.sink().sink(context);
                started[i] = PipelineRun.start(spec, source, sink, registry, events, ends);
                startOrder.add(started[i]);
                awaitBound(spec, spec.source(), source, started[i].handle);
                awaitBound(spec, spec.sink(), sink, started[i].handle);
                GatewayHealth.running(health, spec.name(), started[i].handle);
            }
        } catch (RuntimeException e) {
            GatewayHealth.startFailed(health, e);
            cancel(startOrder);
            throw e;
        }
        health.startupComplete();
        LOG.info("gateway started {} pipeline(s)", started.length);
        return new Gateway(config, List.of(started), startOrder, health);
    }

    private static boolean isServer(GatewayConfig.PipelineSpec spec) {
        return !spec.source().binds().isEmpty() || !spec.sink().binds().isEmpty();
    }

    /**
     * Waits until a pipeline's endpoint that binds (a server source, a ZeroMQ socket that binds, an
     * RSocket request-stream sink: a {@link Listening} whose configuration {@link
     * GatewayConfig.Endpoint#binds() binds}) has bound, or fails at once when the pipeline ends
     * first (a bind failure: port in use, address not local, no permission).
     *
     * @throws GatewayStartException naming the pipeline, the endpoint, the protocol and the address
     */
    private static void awaitBound(GatewayConfig.PipelineSpec spec, GatewayConfig.Endpoint endpoint, Object part,
                                   PipelineHandle handle) {
        if (!(part instanceof Listening listening) || endpoint.binds().isEmpty()) {
            return;
        }
        Mono<Object> ended = handle.done().then(Mono.error(() -> new IllegalStateException("it ended before binding")));
        try {
            Mono.firstWithSignal(listening.listening().cast(Object.class), ended)
                    .timeout(BIND_TIMEOUT, Mono.error(() -> new TimeoutException("not bound within " + BIND_TIMEOUT)))
                    .block();
        } catch (RuntimeException e) {
            Throwable cause = Exceptions.unwrap(e);
            String where = endpoint.binds().stream()
                    .map(b -> b.protocol() + " " + b.host() + ":" + b.port()).collect(Collectors.joining(", "));
            throw new GatewayStartException(spec.name(), "pipeline '" + spec.name() + "' cannot start: its "
                    + endpoint.type() + " " + endpoint.role().name().toLowerCase(java.util.Locale.ROOT)
                    + " cannot bind " + where + ": " + reason(cause), cause);
        }
    }

    private static String reason(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /**
     * Cancels the pipelines started so far, waits (bounded) until each has terminated, then closes
     * their overflow stages.
     */
    private static void cancel(List<PipelineRun> started) {
        started.forEach(r -> r.handle.cancel());
        try {
            Mono.when(started.stream().map(r -> r.handle.done().onErrorResume(x -> Mono.empty())).toList())
                    .block(CANCEL_TIMEOUT);
        } catch (RuntimeException notAllEnded) {
            LOG.warn("pipelines did not end within {} after a cancel: {}", CANCEL_TIMEOUT, notAllEnded.toString());
        }
        started.forEach(PipelineRun::close);
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
     * Stops the pipelines one after the other, in the reverse of their start order, each draining
     * before the next stops: pipelines without a server source (load generators, file walkers)
     * first, then the servers from the last configured to the first. So a pipeline that feeds a
     * server of this same gateway drains into it before that server stops; list such downstream
     * servers before the pipelines that feed them.
     *
     * A pipeline's overflow stage is closed once the pipeline has stopped (a persistent log is
     * forced and checkpointed: what it still holds is delivered after the next start).
     *
     * <p>Readiness ({@link HealthState#draining()}) turns false when this method is called, before
     * any pipeline stops.
     *
     * @param drainTimeout how long buffered messages may take to reach the sinks, per pipeline
     * @return completes when every pipeline stopped
     */
    public Mono<Void> stop(Duration drainTimeout) {
        // not ready from now on, before any source stops accepting: a balancer stops sending first
        health.draining();
        List<PipelineRun> order = new ArrayList<>(startOrder);
        java.util.Collections.reverse(order);
        return Flux.fromIterable(order)
                .concatMapDelayError(r -> Mono.defer(() -> r.handle.stop(drainTimeout))
                        .doOnTerminate(r::close).doOnCancel(r::close)) // closed before stop() signals
                .then();
    }

    /** Cancels every pipeline at once, without draining, and waits (bounded) until each has ended. */
    public void cancel() {
        health.draining();
        cancel(startOrder);
    }

    /** @return the health this gateway reports to */
    public HealthState health() {
        return health;
    }

    /** @return completes when every pipeline has terminated, whatever the outcome */
    public Mono<Void> done() {
        return Mono.when(pipelines.stream().map(r -> r.handle.done().onErrorResume(e -> Mono.empty())).toList());
    }

    /**
     * The transport counters of a pipeline's server source (connections, errors, and for
     * sequenced UDP the datagrams lost in transit).
     *
     * @param pipeline pipeline name
     * @return its source's counters, or empty when there is no such pipeline or its source is not
     *     a server transport
     */
    public java.util.Optional<io.sluice.transport.TransportMetrics> transportMetrics(String pipeline) {
        return pipelines.stream().filter(r -> r.name.equals(pipeline)).findFirst().map(r -> r.transport);
    }

    /** @return the accounting of every pipeline, in configuration order */
    public List<PipelineReport> report() {
        return pipelines.stream().map(PipelineRun::report).toList();
    }

    /**
     * @return the running stats of every {@code stats} step, one line per group, in configuration
     *     order
     */
    public List<StatsLine> stats() {
        List<StatsLine> lines = new ArrayList<>();
        for (PipelineRun r : pipelines) {
            for (KeyedStats ks : r.stats) {
                ks.snapshot().forEach((key, snap) -> lines.add(new StatsLine(r.name, ks.measure(), key, snap)));
            }
        }
        return lines;
    }

    /**
     * Stats of one group of a {@code stats} step.
     *
     * @param pipeline pipeline name
     * @param measure what is measured: {@code size} or the value header's name
     * @param key group (value of the {@code by} header, or {@code all})
     * @param stats the numbers
     */
    public record StatsLine(String pipeline, String measure, String key, io.sluice.stats.StatsSnapshot stats) {
    }

    /** @return the policy the spec names; every {@link OverflowPolicy.Kind} must have a case here */
    static OverflowPolicy<Message> policy(GatewayConfig.OverflowSpec spec) {
        OverflowPolicy.Kind kind = Catalog.policy(spec.policy())
                .orElseThrow(() -> new IllegalArgumentException("unknown overflow policy '" + spec.policy() + "'"));
        return switch (kind) {
            case DROP_NEWEST -> Overflow.dropNewest(spec.capacity());
            case OVERWRITE_OLDEST -> Overflow.overwriteOldest(spec.capacity());
            case BLOCK -> Overflow.block(spec.capacity());
            case FAIL -> Overflow.fail(spec.capacity());
            case PRIORITY -> Overflow.priorityByHeaders(spec.capacity(), spec.priorityHeader(), spec.keyHeader());
        };
    }
}
