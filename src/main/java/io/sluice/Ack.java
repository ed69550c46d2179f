package io.sluice;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * End-to-end acknowledgement of one {@link Message}: called by whoever takes over responsibility
 * for the message, once it is safe for the one who handed it over to forget it. A source that
 * answers its senders (a TCP connection in {@code acks} mode; HTTP, gRPC and RSocket when the
 * pipeline has a persistent stage, see {@link #AWAITED}) attaches one when it creates the message; a
 * persistent overflow stage calls it once the message's record is durable, and attaches its own to
 * the messages it delivers from disk, which a sink calls once its destination has the message
 * (written to the OS, flushed to the peer). A step that removes a message on purpose calls it: a
 * filtered message is done, not lost.
 *
 * <p>A message that is refused (a persistent stage that is full under {@code drop-newest}, that
 * failed to write to its disk, or that stops before the message was written) is
 * {@link #refused(String) refused}: its sender is told at once that it did not arrive (HTTP 503,
 * gRPC {@code RESOURCE_EXHAUSTED}, an RSocket error), instead of waiting for a timeout. A message
 * that is dropped silently is never acknowledged, so its sender never hears that it arrived.
 *
 * <p>Implementations must be cheap and thread-safe, and must tolerate a second call (a message copy
 * may be acknowledged twice); {@link #once(Runnable)} and {@link #of(Runnable, Consumer)} make ones
 * that run at most one action, once.
 */
@FunctionalInterface
public interface Ack {

    /** Nobody is waiting: the acknowledgement of messages created without one. */
    Ack NONE = () -> { };

    /**
     * Key of a Reactor context entry ({@code Boolean.TRUE}) that a gateway pipeline with a
     * persistent stage writes for its source: messages are acknowledged once durable, so a source
     * that can answer its senders (HTTP, gRPC, RSocket) attaches an acknowledgement to each message
     * and answers only when it is {@link #done()} or {@link #refused(String)}. Without it a source
     * answers when the pipeline has taken the message.
     */
    String AWAITED = "sluice.ack.awaited";

    /** The message is safe with the caller (or was removed on purpose). */
    void done();

    /**
     * The message was not taken over: its sender should be told so (and may send it again). The
     * default does nothing (the sender learns it from a missing acknowledgement).
     *
     * @param reason why, for the sender and the logs
     */
    default void refused(String reason) {
    }

    /**
     * @param action what to run on the first {@link #done()}
     * @return an acknowledgement that runs {@code action} at most once
     */
    static Ack once(Runnable action) {
        AtomicBoolean ran = new AtomicBoolean();
        return () -> {
            if (!ran.get() && ran.compareAndSet(false, true)) {
                action.run();
            }
        };
    }

    /**
     * @param done what to run on the first {@link #done()}
     * @param refused what to run on the first {@link #refused(String)}
     * @return an acknowledgement that runs one of them, once: the first call decides
     */
    static Ack of(Runnable done, Consumer<String> refused) {
        Objects.requireNonNull(done, "done");
        Objects.requireNonNull(refused, "refused");
        AtomicBoolean ran = new AtomicBoolean();
        return new Ack() {
            @Override
            public void done() {
                if (!ran.get() && ran.compareAndSet(false, true)) {
                    done.run();
                }
            }

            @Override
            public void refused(String reason) {
                if (!ran.get() && ran.compareAndSet(false, true)) {
                    refused.accept(reason);
                }
            }
        };
    }
}
