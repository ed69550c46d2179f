/**
 * Durable overflow: a crash-consistent, append-only segment log on disk between a source and a
 * sink ({@link io.sluice.persist.PersistentOverflow}, created by
 * {@code io.sluice.overflow.Overflow.persistent(Path)}).
 *
 * <p>Public: the stage, its settings ({@link io.sluice.persist.Fsync}, {@link io.sluice.persist.WhenFull}),
 * the refusal exception and the offline tool ({@link io.sluice.persist.BufferTool}). Everything else is
 * package-private: the file-system seam ({@code Fs}, whose durability model the crash test
 * implements), the on-disk format ({@code Format}, {@code RecordCodec}, {@code Checkpoint}), the log
 * ({@code SegmentLog}, {@code GroupCommit}, {@code Checkpoints}, {@code WriteBatch}, {@code SegmentFiles}, {@code MemoryTail}, {@code Recovery}, {@code LogCursor}) and
 * the stage's parts ({@code PersistentSubscriber}, {@code Appender}, {@code AckWindow}, {@code StageThreads},
 * {@code DeliveryGate}, {@code DurableAcks}).
 */
package io.sluice.persist;
