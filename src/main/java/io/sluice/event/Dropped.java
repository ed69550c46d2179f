package io.sluice.event;

/**
 * An overflow stage discarded an element because its buffer was full.
 *
 * @param stage name of the overflow stage
 * @param policy policy that dropped it ({@code drop-newest}, {@code overwrite-oldest}, {@code fail},
 *     {@code priority} (the lowest-priority element evicted); {@code block} only when an upstream
 *     emitted more than it was asked for)
 * @param totalDropped drops counted by that stage so far, this one included
 */
public record Dropped(String stage, String policy, long totalDropped) implements SluiceEvent {
}
