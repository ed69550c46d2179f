package io.sluice.pipeline;

import io.sluice.event.EventDispatcher;
import io.sluice.event.PipelineStarted;
import io.sluice.event.PipelineStopped;
import io.sluice.event.PipelineStopped.Outcome;
import io.sluice.event.StageError;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A running pipeline.
 *
 * <p>{@link #stop(Duration)} stops ingesting (through {@link Source#flux(org.reactivestreams.Publisher)}:
 * by default the source is cancelled, which closes a server transport; a source holding input it
 * already acknowledged emits that first), lets the stages drain what they buffered into the sink, and completes when the sink
 * has finished; if that takes longer than the timeout the rest is cancelled (buffered elements go
 * to the discard hooks). {@link #done()} completes when the pipeline terminates, or errors with the
 * failure of a stage, the source or the sink.
 */
public final class PipelineHandle {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineHandle.class);

    private final String name;
    private final EventDispatcher events;
    private final Sinks.One<Boolean> stopSignal = Sinks.one();
    private final Sinks.Empty<Void> done = Sinks.empty();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Disposable subscription;

    private PipelineHandle(String name, EventDispatcher events) {
        this.name = name;
        this.events = events;
    }

    static <T> PipelineHandle start(Pipeline<T> pipeline, Sink<? super T> sink) {
        PipelineHandle h = new PipelineHandle(pipeline.name(), pipeline.dispatcher());
        StageErrorTap tap = new StageErrorTap();
        Flux<?> head = pipeline.source().flux(h.stopSignal.asMono());
        Flux<T> staged = pipeline.build(head, tap);
        @SuppressWarnings("unchecked")
        Sink<T> typedSink = (Sink<T>) sink;
        Mono<Void> run = Mono.defer(() -> typedSink.write(staged));
        h.publish(new PipelineStarted(h.name));
        LOG.debug("pipeline '{}' started", h.name);
        h.subscription = run.subscribe(null,
                err -> h.finish(Outcome.FAILED, err, tap.stage()),
                () -> h.finish(h.stopRequested.get() ? Outcome.STOPPED : Outcome.COMPLETED, null, null));
        return h;
    }

    /** @return the pipeline's name */
    public String name() {
        return name;
    }

    /** @return true until the pipeline terminated */
    public boolean isRunning() {
        return !finished.get();
    }

    /**
     * Stops ingesting and drains. Takes effect immediately, including the timeout; the returned
     * {@code Mono} only reports the outcome (it is already subscribed and cached).
     *
     * @param drainTimeout how long buffered elements may take to reach the sink
     * @return completes once drained, or errors with a {@link TimeoutException} if the drain was cut
     *     short (or with the pipeline's own failure)
     */
    public Mono<Void> stop(Duration drainTimeout) {
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        stopRequested.set(true);
        stopSignal.tryEmitValue(Boolean.TRUE);
        Mono<Void> outcome = done.asMono()
                .timeout(drainTimeout, Mono.defer(() -> {
                    TimeoutException te = new TimeoutException("pipeline '" + name
                            + "' did not drain within " + drainTimeout);
                    Disposable d = subscription;
                    if (d != null) {
                        d.dispose();
                    }
                    finish(Outcome.DRAIN_TIMEOUT, te, null);
                    return Mono.error(te);
                }))
                .cache();
        outcome.subscribe(null, e -> { });
        return outcome;
    }

    /** Cancels immediately, without draining. */
    public void cancel() {
        Disposable d = subscription;
        if (d != null) {
            d.dispose();
        }
        finish(Outcome.CANCELLED, null, null);
    }

    /** @return completes when the pipeline terminates; errors with its failure */
    public Mono<Void> done() {
        return done.asMono();
    }

    private void finish(Outcome outcome, Throwable error, String stage) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        if (outcome == Outcome.FAILED) {
            // one line; the stack trace only at DEBUG (the StageError event carries the exception)
            LOG.warn("pipeline '{}' failed in stage {}: {}", name, stage, String.valueOf(error));
            LOG.debug("pipeline '{}' failure", name, error);
            publish(new StageError(name, stage, error));
        } else {
            LOG.debug("pipeline '{}' ended: {}", name, outcome);
        }
        publish(new PipelineStopped(name, outcome, error));
        if (error != null) {
            done.tryEmitError(error);
        } else {
            done.tryEmitEmpty();
        }
    }

    private void publish(Object event) {
        if (events != null) {
            events.dispatch(event);
        }
    }
}
