package io.sluice.test;

import io.sluice.pipeline.Sink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * A {@link Sink} that records every element it writes, in order. With {@link #slow(int)} it
 * requests one element at a time and only after a call to {@link #release(int)}, to make a
 * pipeline's overflow stage fill up deterministically in tests.
 *
 * @param <T> element type
 */
public final class CollectingSink<T> implements Sink<T> {

    private final List<T> received = Collections.synchronizedList(new ArrayList<>());
    private final boolean gated;
    private final Sinks.Many<Integer> permits =
            Sinks.many().unicast().onBackpressureBuffer();

    private CollectingSink(boolean gated) {
        this.gated = gated;
    }

    /** @return a sink that takes everything as fast as it comes */
    public static <T> CollectingSink<T> create() {
        return new CollectingSink<>(false);
    }

    /**
     * @param initialPermits elements it may take before the first {@link #release(int)}
     * @return a sink that takes elements only when permitted
     * @param <T> element type
     */
    public static <T> CollectingSink<T> slow(int initialPermits) {
        CollectingSink<T> s = new CollectingSink<>(true);
        if (initialPermits > 0) {
            s.release(initialPermits);
        }
        return s;
    }

    /**
     * Allows a gated sink to take {@code n} more elements.
     *
     * @param n permits
     */
    public void release(int n) {
        permits.tryEmitNext(n);
    }

    @Override
    public Mono<Void> write(Flux<T> elements) {
        if (!gated) {
            return elements.doOnNext(received::add).then();
        }
        return Mono.create(done -> {
            GatedSubscriber sub = new GatedSubscriber(done);
            done.onCancel(sub::dispose);
            elements.subscribe(sub);
        });
    }

    private final class GatedSubscriber extends BaseSubscriber<T> {
        private final MonoSink<Void> done;
        private Disposable permitFeed;

        GatedSubscriber(MonoSink<Void> done) {
            this.done = done;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            permitFeed = permits.asFlux().subscribe(this::request);
        }

        @Override
        protected void hookOnNext(T value) {
            received.add(value);
        }

        @Override
        protected void hookOnComplete() {
            done.success();
        }

        @Override
        protected void hookOnError(Throwable t) {
            done.error(t);
        }

        @Override
        protected void hookFinally(reactor.core.publisher.SignalType type) {
            if (permitFeed != null) {
                permitFeed.dispose();
            }
        }
    }

    /** @return a snapshot of what was written so far */
    public List<T> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }
}
