package io.sluice.transport.resilience;

import io.sluice.Message;
import java.util.Objects;
import java.util.Optional;

/**
 * A sink refused one message for good: it is too large for the sink's framing, or the receiver
 * rejected it (gRPC {@code INVALID_ARGUMENT}). Sending it again cannot help. A
 * {@link ResilientSink} with a dead-letter file writes it there and goes on with the next message;
 * without one the write fails, as it would without the wrapper. An {@link IllegalArgumentException},
 * as the sinks threw for oversized messages before.
 */
public final class RejectedMessageException extends IllegalArgumentException implements MessageFailure {

    private static final long serialVersionUID = 1L;

    private final transient Message message;

    /**
     * @param message the message refused
     * @param reason why
     */
    public RejectedMessageException(Message message, String reason) {
        this(message, reason, null);
    }

    /**
     * @param message the message refused
     * @param reason why
     * @param cause the receiver's error, or null
     */
    public RejectedMessageException(Message message, String reason, Throwable cause) {
        super(reason, cause);
        this.message = Objects.requireNonNull(message, "message");
    }

    @Override
    public Optional<Message> rejected() {
        return Optional.of(message);
    }

    @Override
    public String reason() {
        return getMessage();
    }
}
