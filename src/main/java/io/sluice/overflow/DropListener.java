package io.sluice.overflow;

import io.sluice.event.Dropped;

/**
 * Receives a {@link Dropped} event for every overflow drop of a stage ({@link OverflowPolicy#events}).
 * Called on the thread that dropped the element (usually the producer's); must not block.
 * {@link io.sluice.event.EventDispatcher} implements it, so {@code policy.events(dispatcher)} publishes
 * drops on a dispatcher; the overflow package itself knows nothing about dispatchers.
 */
@FunctionalInterface
public interface DropListener {

    /**
     * @param event the drop: stage name, policy name, drops so far
     */
    void dropped(Dropped event);
}
