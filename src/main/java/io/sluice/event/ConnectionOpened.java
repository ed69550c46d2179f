package io.sluice.event;

/**
 * A transport accepted or opened a connection (or stream).
 *
 * @param transport transport name, e.g. {@code "tcp"}, {@code "grpc"}
 * @param remote remote address as text
 */
public record ConnectionOpened(String transport, String remote) implements SluiceEvent {
}
