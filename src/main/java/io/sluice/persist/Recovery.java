package io.sluice.persist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a log directory: classifies its files, reads the checkpoint, scans every segment and
 * truncates torn tails. Never loops (every step moves forward through a file), never deletes a
 * record, and refuses to start (with {@link PersistentLogException}) only when a file is of a newer
 * format version; those checks run before anything on disk is changed.
 *
 * <p>After a crash, under the {@link Fs} model, the directory may hold: a segment whose tail is
 * torn (unforced appends lost in part: truncated at its last complete record, then forced so the
 * decision is durable before new data exists); a segment shorter than its header (created, header
 * not yet durable: kept as an empty segment); a checkpoint older than the acknowledgements (records
 * delivered again: at-least-once); a checkpoint ahead of the data (appends that the consumer saw
 * were not yet durable: new offsets start after the checkpoint, so no new record is ever taken as
 * acknowledged); a leftover checkpoint.tmp (removed: it is never read). New appends always go to a
 * fresh segment named after every offset seen, so no file is ever written again after a restart.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /** What the log starts from. */
    record Result(List<Segment> segments, long ackNext, long checkpointSegment, long lastOffset, long nextOffset, long backlog) {
    }

    private Recovery() {
    }

    static Result run(Fs fs, LogConfig cfg, LogStats stats) throws IOException {
        String dir = fs.describe();
        TreeMap<Long, String> names = new TreeMap<>();
        boolean staleTmp = false;
        for (String name : fs.list()) {
            long base = Format.segmentBase(name);
            if (base >= 0) {
                names.put(base, name);
            } else if (name.equals(Checkpoint.TMP)) {
                staleTmp = true;
            } else if (!name.equals(Checkpoint.NAME) && !name.equals(SegmentLog.LOCK)) {
                stats.issue(StartupIssue.UNRELATED_FILE);
                LOG.warn("persistent log {}: ignoring unrelated file '{}' (left in place)", dir, name);
            }
        }
        Checkpoint.State cp = Checkpoint.read(fs);
        if (cp.newerVersion()) {
            throw new PersistentLogException("persistent log " + dir + ": " + cp.problem() + "; refusing to start", null);
        }
        for (Map.Entry<Long, String> e : names.entrySet()) {
            refuseNewer(fs, e.getValue(), e.getKey(), dir);
        }
        // from here on the directory may be changed
        if (staleTmp) {
            stats.issue(StartupIssue.STALE_TEMP_FILE);
            LOG.info("persistent log {}: removing {} left by a crash during a checkpoint write (never read)", dir, Checkpoint.TMP);
            fs.delete(Checkpoint.TMP);
        }
        long ackNext = 0;
        if (cp.problem() != null) {
            stats.issue(StartupIssue.CORRUPT_CHECKPOINT);
            LOG.error("persistent log {}: {}; delivering every record on disk again", dir, cp.problem());
        } else if (!cp.missing()) {
            ackNext = cp.ackNext();
        }
        List<Segment> segments = new ArrayList<>();
        long last = -1;
        long backlog = 0;
        for (Map.Entry<Long, String> e : names.entrySet()) {
            Segment s = scan(fs, e.getValue(), e.getKey(), cfg, stats, last, ackNext, dir);
            segments.add(s);
            if (s.lastOffset >= 0) {
                last = s.lastOffset;
            }
            backlog += s.unackedAtOpen;
        }
        if (!cp.missing() && cp.problem() == null) {
            compare(cp, segments, last, stats, dir);
        }
        long next = Math.max(last + 1, ackNext);
        if (!names.isEmpty()) {
            next = Math.max(next, names.lastKey() + 1);
        }
        if (backlog > 0) {
            LOG.info("persistent log {}: {} unacknowledged records to deliver (from offset {})", dir, backlog, ackNext);
        }
        return new Result(segments, ackNext, cp.missing() || cp.problem() != null ? -1 : cp.segmentBase(), last, next, backlog);
    }

    private static void refuseNewer(Fs fs, String name, long base, String dir) throws IOException {
        try (Fs.FsFile f = fs.open(name)) {
            Format.Header h = Format.parseHeader(readHeader(f), base);
            if (h.problem() != null && h.version() > Format.VERSION) {
                throw new PersistentLogException("persistent log " + dir + ": segment " + name + " has " + h.problem()
                        + " (written by a newer Sluice); refusing to start", null);
            }
        }
    }

    private static ByteBuffer readHeader(Fs.FsFile f) throws IOException {
        return f.readFully(ByteBuffer.allocate(Format.SEGMENT_HEADER), 0);
    }

    private static Segment scan(Fs fs, String name, long base, LogConfig cfg, LogStats stats, long lastBefore,
                                long ackNext, String dir) throws IOException {
        Fs.FsFile f = fs.open(name);
        try {
            long size = f.size();
            if (size < Format.SEGMENT_HEADER) {
                stats.issue(StartupIssue.EMPTY_SEGMENT);
                LOG.warn("persistent log {}: segment {} is {} bytes, shorter than its header (created just before a crash);"
                        + " kept as an empty segment", dir, name, size);
                Segment s = new Segment(base, cfg.blockSize(), null, size);
                s.sealed = true;
                return s;
            }
            Format.Header h = Format.parseHeader(readHeader(f), base);
            int blockSize = h.problem() == null ? h.blockSize() : cfg.blockSize();
            if (h.problem() != null) {
                stats.issue(StartupIssue.CORRUPT_SEGMENT_HEADER);
                LOG.error("persistent log {}: segment {} has a corrupt header ({}); reading its records with block size {}",
                        dir, name, h.problem(), blockSize);
            }
            Segment s = new Segment(base, blockSize, null, size);
            SegmentReader r = new SegmentReader(f, base, blockSize, Format.SEGMENT_HEADER);
            long last = lastBefore;
            for (RecordCodec.Entry e = r.next(size); e != null; e = r.next(size)) {
                SegmentReader.Skip skip = r.takeSkip();
                if (skip != null) {
                    s.knownBad.add(skip.from());
                    stats.corrupt.incrementAndGet();
                    LOG.error("persistent log {}: segment {} bytes [{}, {}) are corrupt ({}); skipped, later records kept",
                            dir, name, skip.from(), skip.to(), skip.reason());
                }
                if (e.offset() <= last) {
                    stats.corrupt.incrementAndGet();
                    LOG.error("persistent log {}: segment {} holds offset {} after offset {}; record skipped", dir, name,
                            e.offset(), last);
                    continue;
                }
                last = e.offset();
                s.noteRecord(e.offset(), e.appendTime());
                if (e.offset() >= ackNext) {
                    s.unackedAtOpen++;
                }
            }
            if (r.tailIsDirty(size)) {
                stats.tornTails.incrementAndGet();
                LOG.warn("persistent log {}: segment {} has a torn tail ({}); truncated from {} to {} bytes after its last"
                        + " complete record", dir, name, r.tailReason(size), size, r.lastGoodEnd());
                f.truncate(r.lastGoodEnd());
                size = r.lastGoodEnd();
            }
            f.force(); // what recovery decided (and data a killed process left in the page cache) is durable from here on
            s.setEnd(size);
            s.bytes = size;
            s.sealed = true;
            return s;
        } finally {
            f.close();
        }
    }

    private static void compare(Checkpoint.State cp, List<Segment> segments, long last, LogStats stats, String dir) {
        boolean named = segments.stream().anyMatch(s -> s.base == cp.segmentBase());
        long lowest = segments.isEmpty() ? Long.MAX_VALUE : segments.get(0).base;
        long highest = segments.isEmpty() ? -1 : segments.get(segments.size() - 1).base;
        if (!named) {
            stats.issue(StartupIssue.MISSING_SEGMENT);
            LOG.warn("persistent log {}: the checkpoint names segment {} which is missing; delivering from the next"
                    + " record on disk at or after offset {}", dir, Format.segmentName(cp.segmentBase()), cp.ackNext());
        }
        if (cp.ackNext() > Math.max(last + 1, highest)) {
            stats.issue(StartupIssue.CHECKPOINT_AHEAD);
            LOG.warn("persistent log {}: the checkpoint acknowledges up to offset {} but the data ends at {}"
                    + " (acknowledged appends were not yet durable); new records start at {}", dir, cp.ackNext(), last, cp.ackNext());
        }
        if (cp.ackNext() < lowest) {
            stats.issue(StartupIssue.CHECKPOINT_BEHIND);
            LOG.warn("persistent log {}: the checkpoint (offset {}) is older than the first segment (base {});"
                    + " records in between are gone", dir, cp.ackNext(), lowest);
        }
    }
}
