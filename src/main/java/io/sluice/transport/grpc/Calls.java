package io.sluice.transport.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.sluice.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the source's calls share: the item they hand to the pipeline and how they close. */
final class Calls {

    private static final Logger LOG = LoggerFactory.getLogger(Calls.class);

    private Calls() {
    }

    /** A received envelope on its way to the pipeline, and the call to tell when it got there. */
    record Item(Message message, Origin origin) {
    }

    /** The call an {@link Item} came from. */
    interface Origin {
        /**
         * The pipeline took the message ({@code onNext} returned); when the source awaits
         * durability ({@link io.sluice.Ack#AWAITED}), the pipeline's persistent stage made it durable.
         *
         * @param m the message
         */
        void taken(Message m);

        /**
         * The pipeline's demand is used up for now (after {@link #taken}): a call that acknowledges per
         * batch acknowledges what was taken so far instead of waiting for the batch's end.
         */
        default void idle() {
        }

        /** The message was dropped inside the source (it stopped). */
        void discarded();

        /**
         * The pipeline's persistent stage refused the message, or it was not durable in time (only
         * when the source awaits durability, {@link io.sluice.Ack#AWAITED}): end the call with
         * {@code RESOURCE_EXHAUSTED}.
         *
         * @param m the message
         * @param reason why, for the status description
         */
        void refused(Message m, String reason);
    }

    /**
     * A call's listener: the call ends the same way whether it completed or was cancelled.
     *
     * @param <Q> the request type: {@code Envelope} or {@code Batch}
     */
    abstract static class Listener<Q> extends ServerCall.Listener<Q> implements Origin {
        @Override
        public final void onCancel() {
            ended();
        }

        @Override
        public final void onComplete() {
            ended();
        }

        /** The call is over (completed or cancelled). */
        abstract void ended();
    }

    /**
     * Closes a call, tolerating one that grpc-java (or {@link InvalidRequests}) already closed.
     *
     * @param call the call
     * @param status its status
     */
    static void close(ServerCall<?, ?> call, Status status) {
        try {
            call.close(status, new Metadata());
        } catch (IllegalStateException e) {
            LOG.debug("grpc call already closed: {}", e.getMessage());
        }
    }

    /**
     * @param accepted envelopes of the call that reached the pipeline
     * @param lastSequence the sequence of the last of them
     * @return the status of a call ended by the source's stop
     */
    static Status stopped(long accepted, long lastSequence) {
        return Status.UNAVAILABLE.withDescription("source stopped; " + accepted + " envelope(s) of this call reached"
                + " the pipeline" + (accepted > 0 ? ", the last with sequence " + lastSequence : ""));
    }
}
