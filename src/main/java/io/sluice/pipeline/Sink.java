package io.sluice.pipeline;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a pipeline's data goes. A transport client or a file writer implements it: it subscribes
 * to the given {@code Flux}, honours backpressure by requesting only what it can write, and returns
 * a {@code Mono} that completes once everything has been written (or errors when writing fails).
 *
 * @param <T> element type
 */
@FunctionalInterface
public interface Sink<T> {

    /**
     * @param elements what to write
     * @return completes when all elements have been written and resources released
     */
    Mono<Void> write(Flux<T> elements);

    /**
     * Whether this sink acknowledges each {@link io.sluice.Message} ({@link io.sluice.Message#ack()})
     * once its destination has it. When false, a gateway pipeline acknowledges each message as it
     * hands it to the sink.
     *
     * @return true for a sink that acknowledges (default false)
     */
    default boolean acknowledges() {
        return false;
    }
}
