package io.sluice.event;

/**
 * A sink with a retry policy lost its receiver (the connection failed, or the receiver answered
 * with a retryable error) and will connect again after a backoff; upstream is not requested
 * meanwhile. Messages the receiver had not acknowledged are resent after the reconnect.
 *
 * @param sink the sink, e.g. {@code tcp 127.0.0.1:7000}
 * @param attempt failed attempts in a row so far (1 for the first)
 * @param reason plain-language reason
 * @param error the failure
 */
public record SinkDisconnected(String sink, long attempt, String reason, Throwable error) implements SluiceEvent {
}
