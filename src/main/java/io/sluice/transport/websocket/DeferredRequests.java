package io.sluice.transport.websocket;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * Hands every {@code request(n)} to reactor-netty's inbound queue as a separate task of the
 * connection's event loop, never synchronously. A request made on the event loop while that queue
 * is emitting (the merge replenishing its prefetch as it receives) is added to the queue's demand
 * during its drain, and the drain then takes it for demand left unmet and switches auto-read on
 * although thousands of frames are queued: one socket read (up to 64 KiB) per replenish, an
 * unbounded read-ahead under a slow pipeline (issue 17's WebSocket soak, WebSocketReadAheadTest).
 * As a task, the request is served by a drain of its own, which reads only when the queue is low.
 */
final class DeferredRequests {

    private DeferredRequests() {
    }

    /**
     * @param loop the connection's event loop
     * @return an operator passing signals through and deferring requests to {@code loop}
     */
    static <T> Function<Flux<T>, Publisher<T>> on(Executor loop) {
        Function<? super Publisher<T>, ? extends Publisher<T>> lift =
                Operators.<T, T>lift((scannable, actual) -> new CoreSubscriber<T>() {
            @Override
            public void onSubscribe(Subscription s) {
                actual.onSubscribe(new Subscription() {
                    @Override
                    public void request(long n) {
                        try {
                            loop.execute(() -> s.request(n));
                        } catch (RejectedExecutionException e) {
                            s.cancel(); // the event loop is shutting down: so is the connection
                        }
                    }

                    @Override
                    public void cancel() {
                        s.cancel();
                    }
                });
            }

            @Override
            public void onNext(T t) {
                actual.onNext(t);
            }

            @Override
            public void onError(Throwable t) {
                actual.onError(t);
            }

            @Override
            public void onComplete() {
                actual.onComplete();
            }

            @Override
            public reactor.util.context.Context currentContext() {
                return actual.currentContext();
            }
        });
        return flux -> lift.apply(flux);
    }
}
