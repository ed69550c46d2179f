package io.sluice.event;

/**
 * A pipeline stage (or its source or sink) failed; the pipeline terminates with this error.
 *
 * @param pipeline pipeline name
 * @param stage label of the first stage that saw the error, e.g. {@code "source"}, {@code "map#1"}
 * @param error the failure
 */
public record StageError(String pipeline, String stage, Throwable error) implements SluiceEvent {
}
