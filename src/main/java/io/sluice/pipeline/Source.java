package io.sluice.pipeline;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Where a pipeline's data comes from. A transport server (TCP, UDP, HTTP, ...) or any generator
 * implements it. Each call to {@link #flux()} may open resources (bind a port); they are released
 * when the returned {@code Flux} terminates or is cancelled.
 *
 * @param <T> element type
 */
@FunctionalInterface
public interface Source<T> {

    /** @return the elements of this source, cold: resources are acquired on subscribe */
    Flux<T> flux();

    /**
     * The elements of this source until {@code stop} signals (a value or completion), for a
     * graceful stop ({@link PipelineHandle#stop}). The default cancels {@link #flux()} at that
     * moment, which closes a server at once. A source that has acknowledged input it has not
     * emitted yet (e.g. the HTTP source, which answered 202) overrides this: it stops accepting,
     * emits what it acknowledged, then completes, so a graceful stop loses nothing it promised.
     *
     * @param stop signals when to stop ingesting
     * @return the elements, completing after the stop
     */
    default Flux<T> flux(Publisher<?> stop) {
        return flux().takeUntilOther(stop);
    }

    /**
     * Adapts an existing publisher.
     *
     * @param flux the elements
     * @param <T> element type
     * @return a source emitting {@code flux}
     */
    static <T> Source<T> of(Flux<T> flux) {
        return () -> flux;
    }
}
