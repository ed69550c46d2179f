/**
 * Sinks that survive their receiver: reconnection with exponential backoff and jitter, resending
 * what the receiver did not acknowledge, and a dead-letter file for messages a receiver rejects
 * for good.
 *
 * <ul>
 *   <li>{@link io.sluice.transport.resilience.ResilientSink}: wraps any sink; retries its writes
 *       ({@link io.sluice.transport.resilience.RetryPolicy}, Reactor's {@code Retry.backoff}),
 *       holding upstream demand while disconnected.</li>
 *   <li>{@link io.sluice.transport.resilience.RejectedMessageException} and
 *       {@link io.sluice.transport.resilience.MessageFailure}: how a sink says that one message was
 *       refused for good, or that a retry must wait ({@code Retry-After}).</li>
 *   <li>{@link io.sluice.transport.resilience.DeadLetterFile}: the JSON-lines file rejected
 *       messages go to, and its reader for {@code sluice dead-letter replay}.</li>
 * </ul>
 */
package io.sluice.transport.resilience;
