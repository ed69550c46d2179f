package io.sluice.event;

/**
 * A sink that had lost its receiver ({@link SinkDisconnected}) delivered again: the first message
 * after the reconnect reached the receiver (acknowledged by it, or handed to the new connection by a
 * sink without acknowledgements).
 *
 * @param sink the sink, e.g. {@code tcp 127.0.0.1:7000}
 * @param attempts failed attempts before this reconnect
 */
public record SinkReconnected(String sink, long attempts) implements SluiceEvent {
}
