package io.sluice.persist;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment files of a {@link SegmentLog}, oldest first, the last one active: creating, sealing,
 * forcing and deleting them, and what has been forced so far. The crash-model reasoning (see
 * {@link Fs}) for the two steps that live here:
 * <ul>
 *   <li><b>Roll</b> ({@link #seal} then {@link #start}): under {@link Fsync#ALWAYS} the log forces
 *       the full segment first, otherwise the next durability claim ({@link #forceAll}, the group
 *       commit) or the first checkpoint that names it ({@link #forceNamed}) does; the next one is
 *       created, its header written and forced, and the directory fsync'd (a small force: a header torn
 *       by a crash would make recovery set the segment aside). Only then may a record in it be
 *       reported durable, since a new file's name is durable only after the directory fsync. Under
 *       {@link Fsync#NEVER} those two forces are put off as well, until the next durability claim
 *       or the first checkpoint that names the segment.</li>
 *   <li><b>Delete</b> a segment only after the checkpoint that acknowledges all of its records is
 *       durable ({@link #deleteAcknowledged} is called after {@link Checkpoint#write} returned). A
 *       delete that is lost in a crash brings back a segment whose records are all below the
 *       checkpoint: skipped, deleted again later. The reverse order could leave a durable delete and
 *       a lost checkpoint: the checkpoint would name deleted data.</li>
 * </ul>
 * Not thread-safe: guarded by the owning log's lock (only {@link #bytes()} is read without it).
 */
final class SegmentFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);

    private final Fs fs;
    private final LogConfig cfg;
    private final LogStats stats;
    private final List<Segment> segments;
    private Segment active;
    private volatile long bytes;
    /** A segment was created and the directory not fsync'd since ({@link Fsync#NEVER}). */
    private boolean dirDirty;
    /** Segments sealed without a force (not {@link Fsync#ALWAYS}): forced before any durability claim. */
    private final List<Segment> unforcedSealed = new ArrayList<>();
    /** The acknowledged position the durable checkpoint holds. */
    private long checkpointed;
    /** Base of the segment the durable checkpoint names, -1 if none. */
    private long checkpointSegment;
    /** Base of the segment a checkpoint being written names ({@link #prepareCheckpoint}), -1 if none. */
    private long pendingSegment = -1;

    /** @param recovered what recovery found on disk (it survived a crash, and recovery forces what it rewrites) */
    SegmentFiles(Fs fs, LogConfig cfg, LogStats stats, Recovery.Result recovered) {
        this.fs = fs;
        this.cfg = cfg;
        this.stats = stats;
        this.segments = new ArrayList<>(recovered.segments());
        this.checkpointed = recovered.ackNext();
        this.checkpointSegment = recovered.checkpointSegment();
        long b = 0;
        for (Segment s : segments) {
            b += s.bytes;
            s.forced = true;
        }
        this.bytes = b;
    }

    Segment active() {
        return active;
    }

    /** @return bytes of all segment files */
    long bytes() {
        return bytes;
    }

    /** Counts {@code n} bytes appended to the active segment. */
    void grew(int n) {
        bytes += n;
    }

    /** Creates the segment starting at {@code base} and makes it the active one (see Roll in the class doc). */
    void start(long base) throws IOException {
        Segment s = Segment.create(fs, base, cfg.blockSize());
        if (!cfg.fsync().never()) {
            s.file().force();
            s.forced = true;
            fs.syncDir();
        } else {
            dirDirty = true;
        }
        segments.add(s);
        bytes += s.bytes;
        active = s;
    }

    /**
     * Takes no more appends into the active segment; its batch is written and (under
     * {@link Fsync#ALWAYS}) forced already. Call {@link #start} next.
     */
    void seal() {
        if (!cfg.fsync().always()) {
            unforcedSealed.add(active);
        }
        active.sealed = true;
        active.close();
    }

    /**
     * Forces every segment sealed without a force, the active segment and, when a segment's name is
     * not durable yet, the directory: afterwards everything written so far is durable.
     */
    void forceAll() throws IOException {
        long started = System.nanoTime();
        for (Segment s : unforcedSealed) {
            if (segments.contains(s)) { // sealed without a force (not Fsync.ALWAYS); not yet deleted
                try (Fs.FsFile f = fs.open(s.name)) {
                    f.force();
                }
            }
        }
        unforcedSealed.clear();
        active.file().force();
        active.forced = true;
        if (dirDirty) {
            fs.syncDir(); // the active segment's name, not fsync'd at creation under Fsync.NEVER
            dirDirty = false;
        }
        stats.fsyncs.incrementAndGet();
        stats.fsyncListener.accept(System.nanoTime() - started);
    }

    /**
     * A group commit that forces without the log's lock: opens a handle on every file
     * {@link #forceAll} would force (sealed segments not forced yet, and the active one: a force of
     * any handle makes every earlier write of that file durable). The caller forces and closes them,
     * then calls {@link #forced}. A roll or a delete meanwhile closes no handle of these.
     *
     * @return the handles, or null when the directory needs an fsync too (then {@link #forceAll})
     */
    List<Fs.FsFile> openForForce() throws IOException {
        if (dirDirty) {
            return null;
        }
        List<Fs.FsFile> out = new ArrayList<>();
        try {
            for (Segment s : unforcedSealed) {
                if (segments.contains(s)) {
                    out.add(fs.open(s.name));
                }
            }
            out.add(fs.open(active.name));
        } catch (IOException e) {
            closeQuietly(out);
            throw e;
        }
        unforcedSealed.clear();
        return out;
    }

    /** Forces, then closes, the handles of {@link #openForForce} (closed even when a force fails). */
    static void forceAndClose(List<Fs.FsFile> handles) throws IOException {
        try {
            for (Fs.FsFile f : handles) {
                f.force();
            }
        } finally {
            closeQuietly(handles);
        }
    }

    private static void closeQuietly(List<Fs.FsFile> handles) {
        for (Fs.FsFile f : handles) {
            try {
                f.close();
            } catch (IOException ignored) {
                // forced or failed already
            }
        }
    }

    /** A force of {@link #openForForce}'s handles, started at {@code started} (nanoTime), returned. */
    void forced(Segment active, long started) {
        active.forced = true;
        stats.fsyncs.incrementAndGet();
        stats.fsyncListener.accept(System.nanoTime() - started);
    }

    /**
     * Makes {@code ackNext} the durable acknowledged position if it moved ({@link Checkpoint#write},
     * naming a segment a crash cannot lose), then deletes every segment whose records are all
     * below it: in that order (see Delete in the class doc). All under the log's lock; the log's
     * own checkpoints write without it ({@link #prepareCheckpoint}, {@link #checkpointWritten}).
     */
    void checkpoint(long ackNext) throws IOException {
        Plan p = prepareCheckpoint(ackNext);
        if (p != null) {
            try {
                Checkpoint.write(fs, p.ackNext(), p.base());
            } catch (IOException | RuntimeException | Error e) {
                checkpointFailed();
                throw e;
            }
        }
        checkpointWritten(p);
    }

    /** A checkpoint to write: the acknowledged position and the segment that holds it. */
    record Plan(long ackNext, long base) {
    }

    /**
     * First step of a checkpoint (under the log's lock): forces what it will name
     * ({@link #forceNamed}) and keeps that segment from being deleted until {@link #checkpointWritten}
     * or {@link #checkpointFailed}, so {@link Checkpoint#write} may then run without the lock.
     *
     * @return what to write, null when {@code ackNext} is the durable checkpoint already
     */
    Plan prepareCheckpoint(long ackNext) throws IOException {
        if (ackNext == checkpointed) {
            return null;
        }
        long base = holding(ackNext);
        forceNamed(base);
        pendingSegment = base;
        return new Plan(ackNext, base);
    }

    /**
     * Last step (under the log's lock), once {@link Checkpoint#write} of {@code p} returned (or with
     * null: nothing new to write): {@code p} is the durable checkpoint; deletes what it acknowledges.
     */
    void checkpointWritten(Plan p) throws IOException {
        pendingSegment = -1;
        if (p != null) {
            checkpointed = p.ackNext();
            checkpointSegment = p.base();
            stats.checkpoints.incrementAndGet();
        }
        deleteAcknowledged();
    }

    /** Writing the prepared checkpoint failed: the durable one is still the previous one. */
    void checkpointFailed() {
        pendingSegment = -1;
    }

    /**
     * A checkpoint must never name a segment a crash can lose. Under {@link Fsync#NEVER} a new
     * segment is not forced at creation, so its header may be torn after a crash and recovery would
     * set the file aside: force it once before the first checkpoint that names it, and fsync the
     * directory if a segment's name is not durable yet (below). Found by the crash model (seeds
     * 8415375014410 and 1796285464043189278).
     */
    private void forceNamed(long base) throws IOException {
        for (Segment s : segments) {
            if (s.base == base && !s.forced) {
                if (s == active) {
                    s.file().force();
                } else {
                    try (Fs.FsFile f = fs.open(s.name)) {
                        f.force();
                    }
                }
                s.forced = true;
                unforcedSealed.remove(s); // forced now: the next group commit need not force it again
                break;
            }
        }
        if (dirDirty) {
            // The named segment's directory entry must be durable before the checkpoint's rename can be:
            // directory operations not yet fsync'd may persist in any order (see Fs), so a crash between
            // the rename and the checkpoint's own directory fsync could keep the rename and lose the
            // segment's creation (MISSING_SEGMENT; crash model seed 1796285464043189278).
            fs.syncDir();
            dirDirty = false;
        }
    }

    /**
     * Deletes segments whose records are all below the durable checkpoint, never the active one and
     * never the one the durable checkpoint names (after a crash it may hold fewer records than when
     * the checkpoint was written; deleting it would leave the checkpoint naming a missing file), nor
     * the one a checkpoint being written names.
     */
    void deleteAcknowledged() throws IOException {
        while (segments.size() > 1 && segments.get(0).sealed && segments.get(0).lastOffset < checkpointed
                && segments.get(0).base != checkpointSegment && segments.get(0).base != pendingSegment) {
            Segment s = segments.remove(0);
            s.close();
            fs.delete(s.name);
            bytes -= s.bytes;
            stats.segmentsDeleted.incrementAndGet();
            LOG.debug("persistent log {}: deleted acknowledged segment {}", fs.describe(), s.name);
        }
    }

    /** @return the base of the segment that holds (or will hold) {@code offset} */
    private long holding(long offset) {
        for (Segment s : segments) {
            if (s.lastOffset >= offset || s == active) {
                return s.base;
            }
        }
        return active.base;
    }

    /** @return the first segment with a base above {@code base} (or the first, for -1), null if none */
    Segment after(long base) {
        for (Segment s : segments) {
            if (s.base > base) {
                return s;
            }
        }
        return null;
    }

    /** @return the segment with this base, null if there is none (any more) */
    Segment at(long base) {
        for (Segment s : segments) {
            if (s.base == base) {
                return s;
            }
        }
        return null;
    }

    void closeAll() {
        for (Segment s : segments) {
            s.close();
        }
    }
}
