package io.sluice;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * End-to-end acknowledgement of one {@link Message}: called by whoever takes over responsibility
 * for the message, once it is safe for the one who handed it over to forget it. A source that
 * answers its senders (a TCP connection in {@code acks} mode) attaches one when it creates the
 * message; a persistent overflow stage calls it once the message's record is durable, and attaches
 * its own to the messages it delivers from disk, which a sink calls once its destination has the
 * message (written to the OS, flushed to the peer). A step that removes a message on purpose calls
 * it: a filtered message is done, not lost. A message that is dropped is never acknowledged, so its
 * sender never hears that it arrived.
 *
 * <p>Implementations must be cheap and thread-safe, and must tolerate a second call (a message copy
 * may be acknowledged twice); {@link #once(Runnable)} makes one that runs its action at most once.
 */
@FunctionalInterface
public interface Ack {

    /** Nobody is waiting: the acknowledgement of messages created without one. */
    Ack NONE = () -> { };

    /** The message is safe with the caller (or was removed on purpose). */
    void done();

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
}
