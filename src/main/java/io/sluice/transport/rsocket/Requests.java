package io.sluice.transport.rsocket;

import io.rsocket.Payload;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.exceptions.RejectedException;
import io.rsocket.util.DefaultPayload;
import io.sluice.Message;
import io.sluice.transport.internal.AwaitedAck;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * The request-response messages of one {@link RSocketSource} binding: a bounded queue the pipeline
 * drains, and the answer of each request: an empty payload once the message is queued or, when
 * the pipeline has a persistent stage, once it is durable; an error when the queue is full
 * ({@code REJECTED}), when the stage refuses the message or it is not durable in time
 * ({@code APPLICATION_ERROR} with the reason).
 */
final class Requests {

    private final Sinks.Many<Message> queue;
    private final boolean awaitDurable;
    private final Duration ackTimeout;

    Requests(int capacity, boolean awaitDurable, Duration ackTimeout) {
        this.queue = Sinks.many().unicast().onBackpressureBuffer(Queues.<Message>get(capacity).get());
        this.awaitDurable = awaitDurable;
        this.ackTimeout = ackTimeout;
    }

    Flux<Message> flux() {
        return queue.asFlux();
    }

    /**
     * @param m a received message
     * @return the answer to its request
     */
    Mono<Payload> offer(Message m) {
        AwaitedAck durable = awaitDurable ? new AwaitedAck() : null;
        Message sent = durable == null ? m : durable.attach(m);
        boolean queued;
        synchronized (queue) {
            queued = queue.tryEmitNext(sent).isSuccess();
        }
        if (!queued) {
            return Mono.error(new RejectedException("no room in the source's request queue; send again later"));
        }
        if (durable == null) {
            return Mono.fromSupplier(Requests::empty);
        }
        return durable.outcome(ackTimeout).flatMap(refusal -> refusal.isEmpty() ? Mono.just(empty())
                : Mono.error(new ApplicationErrorException(refusal.get())));
    }

    private static Payload empty() {
        return DefaultPayload.create(new byte[0]);
    }
}
