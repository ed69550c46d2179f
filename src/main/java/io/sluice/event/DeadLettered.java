package io.sluice.event;

/**
 * A sink's receiver refused a message for good (HTTP 4xx, gRPC {@code INVALID_ARGUMENT}, too
 * large for the sink), and the message was written, with the reason, to the dead-letter file.
 *
 * @param sink the sink, e.g. {@code http 127.0.0.1:8080/ingest}
 * @param reason why it was refused
 * @param file the dead-letter file
 */
public record DeadLettered(String sink, String reason, String file) implements SluiceEvent {
}
