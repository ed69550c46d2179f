package io.sluice.event;

/**
 * A transport connection failed or was closed because of bad input (oversized or malformed frame,
 * protocol error). Other connections are unaffected.
 *
 * @param transport transport name
 * @param remote remote address as text
 * @param reason plain-language reason
 * @param error the underlying exception, may be null
 */
public record ConnectionError(String transport, String remote, String reason, Throwable error) implements SluiceEvent {
}
