package io.sluice.test;

import io.sluice.pipeline.Source;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * A {@link Source} driven by the test: {@link #emit} pushes elements, {@link #complete()} and
 * {@link #error(Throwable)} terminate. Single subscriber; elements emitted before the pipeline
 * subscribes are buffered (unbounded, so keep tests small). Tells whether the pipeline cancelled it.
 *
 * @param <T> element type
 */
public final class TestSource<T> implements Source<T> {

    private final Sinks.Many<T> sink = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicInteger cancellations = new AtomicInteger();
    private final AtomicInteger subscriptions = new AtomicInteger();

    /** @return a new test source */
    public static <T> TestSource<T> create() {
        return new TestSource<>();
    }

    @Override
    public Flux<T> flux() {
        return sink.asFlux()
                .doOnSubscribe(s -> subscriptions.incrementAndGet())
                .doOnCancel(cancellations::incrementAndGet);
    }

    /**
     * Emits elements in order; fails if the source already terminated or was cancelled.
     *
     * @param elements what to emit
     * @return this
     */
    @SafeVarargs
    public final TestSource<T> emit(T... elements) {
        for (T e : elements) {
            sink.emitNext(e, Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofSeconds(1)));
        }
        return this;
    }

    /** Completes the source. */
    public void complete() {
        sink.tryEmitComplete();
    }

    /**
     * Fails the source.
     *
     * @param error the failure
     */
    public void error(Throwable error) {
        sink.tryEmitError(error);
    }

    /** @return true once the pipeline cancelled this source (e.g. on stop) */
    public boolean wasCancelled() {
        return cancellations.get() > 0;
    }

    /** @return how many times the source was subscribed */
    public int subscriptionCount() {
        return subscriptions.get();
    }
}
