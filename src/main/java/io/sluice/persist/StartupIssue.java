package io.sluice.persist;

/** Kinds of unexpected state a persistent log recovers from when it opens; each is logged and counted. */
public enum StartupIssue {
    /** The checkpoint names a segment that is not there. */
    MISSING_SEGMENT,
    /** The checkpoint acknowledges offsets beyond the last record on disk (appends continue after it). */
    CHECKPOINT_AHEAD,
    /** The checkpoint is older than the first segment (records in between are gone). */
    CHECKPOINT_BEHIND,
    /** The checkpoint is unreadable; everything on disk is delivered again. */
    CORRUPT_CHECKPOINT,
    /** A segment too short to hold its header (created, crash before its header was durable). */
    EMPTY_SEGMENT,
    /** A segment header is corrupt; its records are read with the base offset of its file name. */
    CORRUPT_SEGMENT_HEADER,
    /** A file the log does not own; left alone. */
    UNRELATED_FILE,
    /** A checkpoint.tmp left by a crash while writing the checkpoint; removed (it is never read). */
    STALE_TEMP_FILE
}
