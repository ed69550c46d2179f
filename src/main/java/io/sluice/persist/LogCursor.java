package io.sluice.persist;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records in offset order from the first unacknowledged one, segment after segment, up to
 * the published end of the active segment; returns null when it has caught up. A record still in
 * the log's {@link MemoryTail} is taken from there (no read back, no wait for its batch to be
 * written); from the file otherwise, continuing right after the last record taken from memory.
 * Holds one open file, one block and one record. Used by one thread at a time; the writer appends
 * concurrently.
 * Corruption met while reading (damage after recovery) is skipped, logged and counted like
 * corruption found by recovery.
 */
final class LogCursor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogCursor.class);

    private final SegmentLog log;
    private final Fs fs;
    private final long from;
    private Segment segment;
    private Fs.FsFile file;
    private SegmentReader reader;
    private long last = -1;
    private long lastBase = -1;
    /** Where the record last taken from memory ends (segment base, position), -1 if the file reader is current. */
    private long memoryBase = -1;
    private long memoryEnd;

    LogCursor(SegmentLog log, Fs fs, long from) {
        this.log = log;
        this.fs = fs;
        this.from = from;
    }

    /**
     * @return true when {@link #next()} needs no file: the next record is in the log's memory tail,
     *     or the cursor took its last record from memory and nothing was appended after it
     */
    boolean inMemoryOrCaughtUp() {
        long want = last < 0 ? from : last + 1;
        return log.fromMemory(want) != null || memoryBase >= 0 && want > log.lastOffset();
    }

    /** @return the next record if the log's memory tail has it, else null; never reads a file */
    RecordCodec.Entry nextFromMemory() {
        long want = last < 0 ? from : last + 1;
        MemoryTail.Item it = log.fromMemory(want);
        if (it == null) {
            return null;
        }
        last = want;
        memoryBase = it.segmentBase();
        memoryEnd = it.endPosition();
        return it.entry();
    }

    /** @return the next record, or null when none is available yet */
    RecordCodec.Entry next() throws IOException {
        RecordCodec.Entry m = nextFromMemory();
        if (m != null) {
            return m;
        }
        long want = last < 0 ? from : last + 1;
        if (memoryBase >= 0) {
            if (want > log.lastOffset()) {
                return null; // caught up: not appended yet
            }
            resumeAfterMemory();
        }
        while (true) {
            if (segment == null && !advance()) {
                return null;
            }
            boolean sealed = segment.sealed;
            long limit = segment.end;
            RecordCodec.Entry e = reader.next(limit);
            if (e != null) {
                SegmentReader.Skip skip = reader.takeSkip();
                if (skip != null && segment.knownBad.contains(skip.from())) {
                    LOG.debug("persistent log {}: skipped known corrupt range [{}, {}) of {}", log.describe(),
                            skip.from(), skip.to(), segment.name);
                } else if (skip != null) {
                    segment.knownBad.add(skip.from());
                    log.stats.corrupt.incrementAndGet();
                    LOG.error("persistent log {}: segment {} bytes [{}, {}) are corrupt ({}); skipped", log.describe(),
                            segment.name, skip.from(), skip.to(), skip.reason());
                }
                if (e.offset() < from || e.offset() <= last) {
                    continue;
                }
                last = e.offset();
                return e;
            }
            if (!sealed) {
                return null;
            }
            if (reader.tailIsDirty(limit)) {
                log.stats.corrupt.incrementAndGet();
                LOG.error("persistent log {}: segment {} ends in damaged data ({}); skipped", log.describe(), segment.name,
                        reader.tailReason(limit));
            }
            closeFile();
            segment = null;
        }
    }

    /** Positions the file reader right after the record last taken from memory. */
    private void resumeAfterMemory() throws IOException {
        long base = memoryBase;
        memoryBase = -1;
        if (segment != null && segment.base == base && reader.position() == memoryEnd) {
            return;
        }
        closeFile();
        segment = null;
        lastBase = base;
        Segment s = log.segmentAt(base);
        if (s == null) {
            return; // deleted (all acknowledged): advance() goes on with the next one
        }
        segment = s;
        file = fs.open(s.name);
        reader = new SegmentReader(file, s.base, s.blockSize, memoryEnd);
    }

    /** @return true when the last record returned came from the memory tail */
    boolean lastFromMemory() {
        return memoryBase >= 0;
    }

    /** @return the offset of the last record returned, -1 if none */
    long last() {
        return last;
    }

    /** Counts a record handed to a consumer (delivered; redelivered if it was recovered at open). */
    void delivered(RecordCodec.Entry e) {
        // one drain at a time (the reader's work-in-progress counter orders them): no locked add per record
        log.stats.delivered.lazySet(log.stats.delivered.get() + 1);
        if (e.offset() < log.openedAt()) {
            log.stats.redelivered.incrementAndGet();
        }
    }

    private boolean advance() throws IOException {
        Segment s = log.segmentAfter(lastBase);
        while (s != null && s.sealed && s.lastOffset < from) {
            lastBase = s.base; // every record in it is acknowledged
            s = log.segmentAfter(lastBase);
        }
        if (s == null) {
            return false;
        }
        lastBase = s.base;
        segment = s;
        file = fs.open(s.name);
        reader = new SegmentReader(file, s.base, s.blockSize, Format.SEGMENT_HEADER);
        return true;
    }

    private void closeFile() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // read-only use
            }
            file = null;
        }
    }

    @Override
    public void close() {
        closeFile();
    }
}
