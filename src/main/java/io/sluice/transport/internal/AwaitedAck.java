package io.sluice.transport.internal;

import io.sluice.Ack;
import io.sluice.Message;
import java.time.Duration;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.ContextView;

/**
 * The acknowledgement a request-response source (HTTP, gRPC unary, RSocket request-response) waits
 * for before it answers its sender, when the pipeline acknowledges messages once durable
 * ({@link Ack#AWAITED} in the subscriber context, written by a persistent stage): {@link #attach}
 * gives the message an {@link Ack} whose first {@code done} or {@code refused} decides
 * {@link #outcome}.
 */
public final class AwaitedAck {

    /** Shortest wait for durability, whatever the source's accept timeout (which may be zero). */
    public static final Duration MIN_WAIT = Duration.ofSeconds(1);

    private final Sinks.One<Optional<String>> outcome = Sinks.one();

    /**
     * @param ctx the subscriber context a source sees when it is subscribed
     * @return true when messages are acknowledged once durable and the source must wait for that
     */
    public static boolean awaited(ContextView ctx) {
        return ctx.getOrDefault(Ack.AWAITED, Boolean.FALSE);
    }

    /**
     * @param timeout a source's accept timeout
     * @return how long to wait for durability: {@code timeout}, at least {@link #MIN_WAIT}
     */
    public static Duration waitFor(Duration timeout) {
        return timeout.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : timeout;
    }

    /**
     * @param m a message just received
     * @return it, carrying the acknowledgement this object waits for
     */
    public Message attach(Message m) {
        return m.withAck(Ack.of(() -> outcome.tryEmitValue(Optional.empty()),
                reason -> outcome.tryEmitValue(Optional.of(reason))));
    }

    /**
     * @param timeout longest wait
     * @return empty once the message is acknowledged (durable); the reason when it was refused or
     *     not acknowledged within {@code timeout}
     */
    public Mono<Optional<String>> outcome(Duration timeout) {
        return outcome.asMono().timeout(timeout,
                Mono.fromSupplier(() -> Optional.of("not durable within " + timeout)));
    }
}
