package io.sluice.pipeline;

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
