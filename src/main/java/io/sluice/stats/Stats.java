package io.sluice.stats;

import io.sluice.Message;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import reactor.core.publisher.Flux;

/** Operators that measure a pipeline into a {@link StatsRecorder}. */
public final class Stats {

    private Stats() {
    }

    /**
     * A pass-through stage that records {@code measure(element)} for every element.
     *
     * @param recorder where samples go
     * @param measure what to measure, e.g. {@code Message::size}
     * @param <T> element type
     * @return the stage, for {@code Flux.transform} or {@code Pipeline.via}
     */
    public static <T> Function<Flux<T>, Flux<T>> tap(StatsRecorder recorder, ToDoubleFunction<? super T> measure) {
        Objects.requireNonNull(recorder, "recorder");
        Objects.requireNonNull(measure, "measure");
        return f -> f.doOnNext(t -> recorder.record(measure.applyAsDouble(t)));
    }

    /**
     * @param recorder where payload sizes (bytes) go
     * @return a pass-through stage recording message sizes
     */
    public static Function<Flux<Message>, Flux<Message>> messageSizes(StatsRecorder recorder) {
        return tap(recorder, Message::size);
    }

    /**
     * A map stage that records how long {@code fn} takes per element, in nanoseconds: exactly
     * the synchronous time spent in {@code fn}, on the thread that runs it.
     *
     * @param recorder where durations (ns) go
     * @param fn the per-element work
     * @param <T> input type
     * @param <R> output type
     * @return the stage
     */
    public static <T, R> Function<Flux<T>, Flux<R>> timed(StatsRecorder recorder, Function<? super T, ? extends R> fn) {
        Objects.requireNonNull(recorder, "recorder");
        Objects.requireNonNull(fn, "fn");
        return f -> f.map(t -> {
            long t0 = System.nanoTime();
            try {
                return fn.apply(t);
            } finally {
                recorder.record(System.nanoTime() - t0);
            }
        });
    }
}
