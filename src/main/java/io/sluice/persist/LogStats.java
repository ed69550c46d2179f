package io.sluice.persist;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one log; read by the stage's getters. All monotonic except where noted.
 * {@link #appendedRecords}, {@link #appendedBytes} and {@link #delivered} have one writer at a time
 * (the log's lock, the reader's drain), which adds with a release store instead of a locked add.
 */
final class LogStats {
    final AtomicLong appendedRecords = new AtomicLong();
    final AtomicLong appendedBytes = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    /** Records delivered again after a restart (they were unacknowledged when the log opened). */
    final AtomicLong redelivered = new AtomicLong();
    /** Corrupt byte ranges skipped in the middle of a segment, and records out of order. */
    final AtomicLong corrupt = new AtomicLong();
    /** Torn or corrupt tails truncated at recovery. */
    final AtomicLong tornTails = new AtomicLong();
    /** Problems found at startup and recovered from (see {@link StartupIssue}). */
    final AtomicLong startupIssues = new AtomicLong();
    final AtomicLong droppedFull = new AtomicLong();
    final AtomicLong rejectedTooLarge = new AtomicLong();
    final AtomicLong fsyncs = new AtomicLong();
    final AtomicLong checkpoints = new AtomicLong();
    final AtomicLong segmentsDeleted = new AtomicLong();
    /** Told the duration in nanoseconds of every force of appended data (group commit or per append). */
    volatile java.util.function.LongConsumer fsyncListener = nanos -> { };
    final java.util.Map<StartupIssue, AtomicLong> issues = new java.util.EnumMap<>(StartupIssue.class);

    LogStats() {
        for (StartupIssue i : StartupIssue.values()) {
            issues.put(i, new AtomicLong());
        }
    }

    void issue(StartupIssue i) {
        issues.get(i).incrementAndGet();
        startupIssues.incrementAndGet();
    }
}
