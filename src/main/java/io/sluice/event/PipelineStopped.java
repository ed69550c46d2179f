package io.sluice.event;

/**
 * A pipeline terminated.
 *
 * @param pipeline pipeline name
 * @param outcome how it ended
 * @param error the failure for {@link Outcome#FAILED} and {@link Outcome#DRAIN_TIMEOUT}, else null
 */
public record PipelineStopped(String pipeline, Outcome outcome, Throwable error) implements SluiceEvent {

    /** How a pipeline ended. */
    public enum Outcome {
        /** The source completed and every element reached the sink. */
        COMPLETED,
        /** {@code stop} was called and the buffered elements drained in time. */
        STOPPED,
        /** A stage, the source or the sink signalled an error. */
        FAILED,
        /** {@code stop} was called but draining exceeded the timeout; the rest was cancelled. */
        DRAIN_TIMEOUT,
        /** The pipeline was cancelled without draining. */
        CANCELLED
    }
}
