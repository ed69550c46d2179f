package io.sluice.pipeline;

import java.util.Objects;

/**
 * A pipeline with its sink, ready to start. Immutable; each {@link #start()} runs an independent
 * instance (subscribing to the source again).
 *
 * @param <T> element type reaching the sink
 */
public final class RunnablePipeline<T> {

    private final Pipeline<T> pipeline;
    private final Sink<? super T> sink;

    RunnablePipeline(Pipeline<T> pipeline, Sink<? super T> sink) {
        this.pipeline = Objects.requireNonNull(pipeline);
        this.sink = Objects.requireNonNull(sink);
    }

    /** @return a handle on the running pipeline */
    public PipelineHandle start() {
        return PipelineHandle.start(pipeline, sink);
    }
}
