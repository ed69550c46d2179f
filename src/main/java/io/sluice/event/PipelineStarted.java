package io.sluice.event;

/**
 * A pipeline subscribed to its source and sink.
 *
 * @param pipeline pipeline name
 */
public record PipelineStarted(String pipeline) implements SluiceEvent {
}
