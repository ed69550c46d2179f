package io.sluice.transport.resilience;

import io.sluice.Message;
import reactor.core.publisher.Mono;

/**
 * How a sink that sends many messages at once (HTTP, gRPC unary) hands one permanently rejected
 * message to the dead-letter file without failing its whole write: a {@link ResilientSink} with a
 * dead-letter file puts a handler in the Reactor context of its inner write, and
 * {@link #orError(Throwable)} uses it when there is one. Without it (no wrapper, or no dead-letter
 * file) the failure fails the write as before.
 */
public final class Rejections {

    /** Reactor context key of the handler. */
    static final String KEY = "sluice.sink.rejections";

    /** Takes a rejected message: writes it to the dead-letter file and acknowledges it. */
    @FunctionalInterface
    interface Handler {
        void rejected(Message handed, String reason);
    }

    private Rejections() {
    }

    /**
     * @param failure a failure of one message's send
     * @param <T> the send's value type
     * @return empty, after handing the message to the context's handler, when {@code failure} is a
     *         permanent rejection ({@link MessageFailure#rejected()}) and there is a handler; else
     *         {@code failure} as an error
     */
    public static <T> Mono<T> orError(Throwable failure) {
        return Mono.deferContextual(ctx -> {
            if (failure instanceof MessageFailure f && f.rejected().isPresent() && ctx.hasKey(KEY)) {
                ctx.<Handler>get(KEY).rejected(f.rejected().get(), f.reason());
                return Mono.empty();
            }
            return Mono.error(failure);
        });
    }
}
