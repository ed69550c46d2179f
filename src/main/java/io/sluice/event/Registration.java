package io.sluice.event;

/**
 * A callback registration returned by {@link EventDispatcher#on(Class, java.util.function.Consumer)}.
 * Removing it is idempotent; a dispatch already in progress may still call the callback once.
 */
public interface Registration extends AutoCloseable {

    /** Removes the callback; subsequent dispatches no longer call it. */
    void remove();

    /** Same as {@link #remove()}, so a registration can be used in try-with-resources. */
    @Override
    default void close() {
        remove();
    }
}
