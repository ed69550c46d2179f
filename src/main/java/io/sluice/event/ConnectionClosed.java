package io.sluice.event;

/**
 * A transport connection (or stream) closed.
 *
 * @param transport transport name
 * @param remote remote address as text
 */
public record ConnectionClosed(String transport, String remote) implements SluiceEvent {
}
