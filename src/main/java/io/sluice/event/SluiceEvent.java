package io.sluice.event;

/**
 * Marker for the events Sluice itself publishes (pipeline lifecycle, drops, callback failures,
 * connections). Register for {@code SluiceEvent.class} to receive all of them. Every implementation
 * is an immutable record.
 */
public interface SluiceEvent {
}
