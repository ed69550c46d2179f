package io.sluice.transport.resilience;

import io.sluice.Message;
import java.time.Duration;
import java.util.Optional;

/**
 * What a sink's failure can tell a {@link ResilientSink} beyond its text: which message the
 * receiver refused for good (it goes to the dead-letter file instead of being retried), or how long
 * the receiver asked to wait before the next try (HTTP {@code Retry-After}).
 */
public interface MessageFailure {

    /** @return the message the receiver rejected permanently (not to be retried), if this is such a rejection */
    Optional<Message> rejected();

    /** @return the receiver's requested wait before a retry, if it gave one */
    default Optional<Duration> retryAfter() {
        return Optional.empty();
    }

    /** @return why, for the dead-letter file and the logs */
    String reason();
}
