package io.sluice.transport.resilience;

import io.sluice.Message;
import io.sluice.event.DeadLettered;
import io.sluice.event.EventDispatcher;
import io.sluice.event.SinkDisconnected;
import io.sluice.event.SinkReconnected;
import io.sluice.event.SluiceEvent;
import io.sluice.pipeline.Sink;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Wraps a sink so that it survives its receiver going away, and sets aside what the receiver
 * refuses for good. Works with any sink whose {@link Sink#write(Flux)} connects, sends and fails
 * when the connection fails (every network sink of Sluice).
 *
 * <ul>
 *   <li><b>Retry</b> (with a {@link RetryPolicy}): when a write fails, it is started again after an
 *       exponential backoff with jitter (Reactor's {@link Retry#backoff}; a receiver's
 *       {@code Retry-After}, see {@link MessageFailure#retryAfter()}, is waited for in addition).
 *       The input is subscribed once and only requested for the attempt in progress, so between
 *       attempts nothing is requested: behind an {@code Overflow.block} stage nothing is lost, a lossy
 *       policy counts its drops as usual. When the inner sink {@link Sink#acknowledges()
 *       acknowledges}, every message handed to a failed attempt and not acknowledged is sent again
 *       first, in order (counted in {@link #resent()}, the {@code sluice_sink_retries_total} meter):
 *       HTTP non-2xx or connection errors, gRPC calls without their {@code Ack}, and on TCP and
 *       WebSocket what was not yet written to the socket. A message written to a socket that then
 *       died is not known to be lost, and is not resent. Each failure dispatches a
 *       {@link SinkDisconnected}, the first delivery after it a {@link SinkReconnected}; the attempt
 *       count and backoff start again after each delivery. The write fails when the input fails,
 *       or after {@code maxAttempts} failed attempts in a row.</li>
 *   <li><b>Dead letter</b> (with a {@link DeadLetterFile}): a failure that names a message refused
 *       for good ({@link MessageFailure#rejected()}: HTTP 4xx other than 408/429, gRPC
 *       {@code INVALID_ARGUMENT}, a message too large for the sink) writes that message and the
 *       reason to the file, acknowledges it, dispatches {@link DeadLettered} and continues at once
 *       with the next message. Without a file such a failure fails the write, as it does without
 *       this wrapper.</li>
 * </ul>
 */
public final class ResilientSink implements Sink<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(ResilientSink.class);

    private final Sink<Message> inner;
    private final String name;
    private final RetryPolicy retry;
    private final DeadLetterFile deadLetter;
    private final EventDispatcher events;
    private final LongAdder resent = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();

    /**
     * @param inner the sink to wrap
     * @param name the sink as events name it, e.g. {@code tcp 127.0.0.1:7000}
     * @param retry retry policy, or null for none (failures fail the write)
     * @param deadLetter dead-letter file, or null for none (rejections fail the write)
     * @param events where events go, or null
     */
    public ResilientSink(Sink<Message> inner, String name, RetryPolicy retry, DeadLetterFile deadLetter,
                         EventDispatcher events) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.name = Objects.requireNonNull(name, "name");
        this.retry = retry;
        this.deadLetter = deadLetter;
        this.events = events;
    }

    /** @return the wrapped sink */
    public Sink<Message> inner() {
        return inner;
    }

    /** @return messages sent again after a failed attempt */
    public long resent() {
        return resent.sum();
    }

    /** @return failed attempts that were retried */
    public long reconnects() {
        return reconnects.sum();
    }

    /** @return messages written to the dead-letter file */
    public long deadLettered() {
        return deadLettered.sum();
    }

    @Override
    public boolean acknowledges() {
        return inner.acknowledges();
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return Mono.defer(() -> {
            AtomicLong failuresInARow = new AtomicLong();
            Sinks.Many<Boolean> progress = Sinks.many().multicast().directBestEffort();
            Relay relay = new Relay(elements, inner.acknowledges(), () -> {
                long failed = failuresInARow.getAndSet(0);
                if (failed > 0) {
                    LOG.info("sink {}: reconnected after {} failed attempt(s)", name, failed);
                    publish(new SinkReconnected(name, failed));
                }
                progress.tryEmitNext(Boolean.TRUE);
            }, resent);
            Flux<Object> attempts = Flux.defer(() -> {
                // the attempt's first progress resets the backoff (Retry transientErrors counts onNext)
                Sinks.One<Boolean> ended = Sinks.one();
                Mono<Void> write = inner.write(relay.attempt())
                        .contextWrite(ctx -> deadLetter == null ? ctx
                                : ctx.put(Rejections.KEY, (Rejections.Handler) (m, reason) -> deadLetter(relay, m, reason)))
                        .then(Mono.defer(() -> relay.finished() ? Mono.<Void>empty()
                                : Mono.error(new IllegalStateException("sink " + name
                                        + " ended its write before every message was acknowledged"))))
                        .doFinally(s -> ended.tryEmitValue(Boolean.TRUE));
                return Flux.merge(progress.asFlux().take(1).takeUntilOther(ended.asMono()), write);
            });
            if (deadLetter != null) {
                attempts = attempts.retryWhen(Retry.indefinitely()
                        .filter(e -> rejected(e).isPresent())
                        .doBeforeRetry(s -> deadLetter(relay, s.failure())));
            }
            if (retry != null) {
                attempts = attempts.retryWhen(retry.spec()
                        .filter(e -> !relay.inputFailed() && rejected(e).isEmpty())
                        .doBeforeRetry(s -> {
                            reconnects.increment();
                            long n = failuresInARow.incrementAndGet();
                            String reason = String.valueOf(s.failure().getMessage());
                            LOG.warn("sink {}: attempt {} failed ({}); reconnecting with backoff", name, n, reason);
                            publish(new SinkDisconnected(name, n, reason, s.failure()));
                        })
                        .doBeforeRetryAsync(s -> retryAfter(s.failure()).map(d -> Mono.delay(d).then()).orElse(Mono.empty()))
                        .onRetryExhaustedThrow((spec, s) -> s.failure()));
            }
            return attempts.then().doFinally(s -> relay.cancel());
        });
    }

    private void deadLetter(Relay relay, Throwable failure) {
        MessageFailure f = (MessageFailure) cause(failure);
        deadLetter(relay, f.rejected().orElseThrow(), f.reason());
    }

    /** Writes a rejected message to the file, then acknowledges it (it is not resent). */
    private void deadLetter(Relay relay, Message handed, String reason) {
        Message original = relay.original(handed);
        deadLetter.write(name, reason, original);
        relay.settle(handed);
        deadLettered.increment();
        LOG.warn("sink {}: message dead-lettered to {}: {}", name, deadLetter.path(), reason);
        publish(new DeadLettered(name, reason, deadLetter.path().toString()));
    }

    private static Optional<Message> rejected(Throwable e) {
        Throwable c = cause(e);
        return c instanceof MessageFailure f ? f.rejected() : Optional.empty();
    }

    private static Optional<Duration> retryAfter(Throwable e) {
        Throwable c = cause(e);
        return c instanceof MessageFailure f ? f.retryAfter() : Optional.empty();
    }

    /** The {@link MessageFailure} in a failure's cause chain (reactor-netty may wrap it), or the failure itself. */
    private static Throwable cause(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof MessageFailure) {
                return c;
            }
        }
        return e;
    }

    private void publish(SluiceEvent e) {
        if (events != null) {
            events.dispatch(e);
        }
    }
}
