/**
 * Overflow stages: what a full gateway loses. {@link io.sluice.overflow.Overflow} creates them
 * (drop-newest, overwrite-oldest, block, fail, priority); {@link io.sluice.overflow.OverflowPolicy}
 * configures one (drop hook, name, {@link io.sluice.overflow.DropListener}) and counts its drops;
 * {@link io.sluice.overflow.PriorityBuffer} is the bounded priority backlog shared with the RESP
 * {@code priority-queue} sink. Every stage respects downstream demand exactly and reports every
 * drop (counter, {@code onDrop}, Reactor's discard hook, {@code Dropped} event).
 *
 * <p>Inside, a stage is a layered subscriber: {@code OverflowState} (the subscription's fields,
 * Reactor's introspection, output fusion, the drop accounting), {@code OverflowSubscriber} (the
 * Reactive Streams signals and the lock-free drain loop), then one buffer per policy
 * ({@code SpscOverflowSubscriber} for drop-newest, fail and block; {@code OverwriteOldestSubscriber};
 * {@code PrioritySubscriber}, whose buffer takes a short lock). Every drop is counted in per-thread
 * cells ({@code DropCounts}).
 */
package io.sluice.overflow;
