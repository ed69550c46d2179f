package io.sluice.pipeline;

import io.sluice.event.EventDispatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Fluent, immutable builder of a pipeline: a {@link Source}, a chain of stages, a {@link Sink}.
 *
 * <pre>{@code
 * PipelineHandle h = Pipeline.from(source)
 *         .named("telemetry")
 *         .events(dispatcher)
 *         .filter(m -> m.size() > 0)
 *         .map(m -> m.withHeader("seen", "1"))
 *         .overflow(Overflow.dropNewest(1024))
 *         .to(sink)
 *         .start();
 * h.stop(Duration.ofSeconds(5)).block();
 * }</pre>
 *
 * Every method returns a new builder; a builder can be reused to start several pipelines.
 * {@link #flux()} gives the staged {@code Flux} without a sink, e.g. to test it with
 * {@code StepVerifier}.
 *
 * @param <T> element type at the end of the chain so far
 */
public final class Pipeline<T> {

    private final Source<?> source;
    private final List<Stage> stages;
    private final String name;
    private final EventDispatcher events;

    private Pipeline(Source<?> source, List<Stage> stages, String name, EventDispatcher events) {
        this.source = source;
        this.stages = stages;
        this.name = name;
        this.events = events;
    }

    /**
     * @param source where the data comes from
     * @param <T> element type
     * @return a pipeline with no stages yet
     */
    public static <T> Pipeline<T> from(Source<T> source) {
        return new Pipeline<>(Objects.requireNonNull(source, "source"), List.of(), "pipeline", null);
    }

    /**
     * @param pipelineName name used in events and logs
     * @return a copy with that name
     */
    public Pipeline<T> named(String pipelineName) {
        return new Pipeline<>(source, stages, Objects.requireNonNull(pipelineName, "name"), events);
    }

    /**
     * @param dispatcher receives lifecycle events ({@code PipelineStarted}, {@code PipelineStopped},
     *     {@code StageError})
     * @return a copy publishing to {@code dispatcher}
     */
    public Pipeline<T> events(EventDispatcher dispatcher) {
        return new Pipeline<>(source, stages, name, Objects.requireNonNull(dispatcher, "dispatcher"));
    }

    /**
     * @param mapper applied to each element
     * @param <R> new element type
     * @return a copy with the stage appended
     */
    public <R> Pipeline<R> map(Function<? super T, ? extends R> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return append("map", f -> f.map(mapper));
    }

    /**
     * @param predicate elements failing it are dropped (and discarded through Reactor's hook)
     * @return a copy with the stage appended
     */
    public Pipeline<T> filter(Predicate<? super T> predicate) {
        Objects.requireNonNull(predicate, "predicate");
        return append("filter", f -> f.filter(predicate));
    }

    /**
     * Appends any {@code Flux} transformation, e.g. {@code flux -> flux.buffer(10).map(...)}.
     *
     * @param stage the transformation
     * @param <R> new element type
     * @return a copy with the stage appended
     */
    public <R> Pipeline<R> via(Function<? super Flux<T>, ? extends Publisher<R>> stage) {
        Objects.requireNonNull(stage, "stage");
        return append("via", f -> Flux.from(stage.apply(f)));
    }

    /**
     * Appends an overflow stage, typically one of {@code io.sluice.overflow.Overflow}'s policies.
     *
     * @param policy the overflow operator
     * @return a copy with the stage appended
     */
    public Pipeline<T> overflow(Function<? super Flux<T>, ? extends Publisher<T>> policy) {
        Objects.requireNonNull(policy, "policy");
        return append("overflow", f -> Flux.from(policy.apply(f)));
    }

    @SuppressWarnings("unchecked")
    private <R> Pipeline<R> append(String kind, Function<Flux<T>, Flux<R>> fn) {
        List<Stage> next = new ArrayList<>(stages);
        next.add(new Stage(kind + "#" + (stages.size() + 1), (Function<Flux<Object>, Flux<Object>>) (Function<?, ?>) fn));
        return new Pipeline<>(source, Collections.unmodifiableList(next), name, events);
    }

    /** @return the source followed by every stage, without a sink */
    public Flux<T> flux() {
        return build(source.flux(), null);
    }

    /**
     * @param sink where the data goes
     * @return a pipeline ready to {@link RunnablePipeline#start() start}
     */
    public RunnablePipeline<T> to(Sink<? super T> sink) {
        return new RunnablePipeline<>(this, Objects.requireNonNull(sink, "sink"));
    }

    String name() {
        return name;
    }

    EventDispatcher dispatcher() {
        return events;
    }

    Source<?> source() {
        return source;
    }

    /**
     * Applies the stages to {@code head}; when {@code errorTap} is given, each stage is followed by a
     * tap telling it which stage first saw an error.
     */
    @SuppressWarnings("unchecked")
    Flux<T> build(Flux<?> head, StageErrorTap errorTap) {
        Flux<Object> f = (Flux<Object>) head;
        if (errorTap != null) {
            f = errorTap.after("source", f);
        }
        for (Stage s : stages) {
            f = s.fn.apply(f);
            if (errorTap != null) {
                f = errorTap.after(s.label, f);
            }
        }
        return (Flux<T>) f;
    }

    private static final class Stage {
        final String label;
        final Function<Flux<Object>, Flux<Object>> fn;

        Stage(String label, Function<Flux<Object>, Flux<Object>> fn) {
            this.label = label;
            this.fn = fn;
        }
    }
}
