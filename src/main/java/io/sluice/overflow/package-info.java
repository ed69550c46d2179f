/**
 * Overflow stages: what a full gateway loses. {@link io.sluice.overflow.Overflow} creates them
 * (drop-newest, overwrite-oldest, block, fail, priority); {@link io.sluice.overflow.OverflowPolicy}
 * configures one (drop hook, name, {@link io.sluice.overflow.DropListener}) and counts its drops;
 * {@link io.sluice.overflow.PriorityBuffer} is the bounded priority backlog shared with the RESP
 * {@code priority-queue} sink. Every stage respects downstream demand exactly and reports every
 * drop (counter, {@code onDrop}, Reactor's discard hook, {@code Dropped} event).
 */
package io.sluice.overflow;
