package io.sluice.persist;

import io.sluice.Message;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-consistent segment log: appends, group commit, acknowledgements, checkpoints, segment
 * deletion, and cursors that stream records from disk (memory bounded by one block and one record
 * per cursor, whatever the backlog).
 *
 * <h2>Operation order, justified against the {@link Fs} crash model</h2>
 * <ol>
 *   <li><b>Append</b>: the record's fragments are framed into the write batch; {@link #publish}
 *       writes the batch at the segment end with one positional write, then publishes the end to
 *       readers ({@link #writtenOffset()}). Under {@link Fsync#ALWAYS} {@code publish} then forces
 *       the segment, so every record of the batch is durable when it returns. Otherwise a record
 *       becomes durable at the next {@link #flush()} ({@link #durableOffset()}). A crash loses the
 *       unwritten batch and may tear unforced writes at any sector: recovery truncates at the last
 *       complete record (fragment CRCs find it). No record is reported durable, or readable, before
 *       its batch was written.</li>
 *   <li><b>Roll</b>: force the full segment (unless {@link Fsync#NEVER}), create the next one, write
 *       and force its header, fsync the directory. Only then may a record in it be reported durable,
 *       since a new file's name is durable only after the directory fsync.</li>
 *   <li><b>Checkpoint</b> ({@link Checkpoint#write}): temp file, force, rename, fsync directory.</li>
 *   <li><b>Delete</b> a segment only after the checkpoint that acknowledges all of its records is
 *       durable (step 3 returned). A delete that is lost in a crash brings back a segment whose
 *       records are all below the checkpoint: skipped, deleted again later. The reverse order could
 *       leave a durable delete and a lost checkpoint: the checkpoint would name deleted data.</li>
 * </ol>
 * Offsets are never reused: after a restart new records start after every offset on disk and
 * after the checkpoint, and go to a new segment file, so stale bytes can never be read as new data.
 *
 * <p>Thread safety: appends, flushes, acknowledgements and checkpoints are serialised on this
 * object; each cursor is used by one thread at a time, concurrently with the writer.
 */
final class SegmentLog implements Closeable {

    static final String LOCK = "lock";
    /** Size of the write batch: records larger than this are written on their own. */
    static final int BATCH_BYTES = 256 << 10;
    private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
    private static final AtomicLongFieldUpdater<SegmentLog> ACK_NEXT =
            AtomicLongFieldUpdater.newUpdater(SegmentLog.class, "ackNext");

    private final Fs fs;
    private final LogConfig cfg;
    final LogStats stats;
    private final Closeable lock;
    private final List<Segment> segments;
    private Segment active;
    private long nextOffset;
    private volatile long lastOffset;
    private volatile long durableOffset;
    private volatile long writtenOffset;
    /** Records framed by {@link #appendBuffered} and not yet written (one direct buffer, reused). */
    private final ByteBuffer batch = ByteBuffer.allocateDirect(BATCH_BYTES);
    private volatile long ackNext;
    private long checkpointed;
    /** Base of the segment the durable checkpoint names, -1 if none. */
    private long checkpointSegment;
    private volatile long bytes;
    private final long openedAt;
    private final long backlogAtOpen;
    private volatile boolean closed;
    private volatile IOException failed;
    private boolean dirDirty;
    /** Segments sealed under {@link Fsync#NEVER} without a force: forced before any durability claim. */
    private final List<Segment> unforcedSealed = new ArrayList<>();

    private SegmentLog(Fs fs, LogConfig cfg, LogStats stats, Closeable lock, Recovery.Result r) {
        this.fs = fs;
        this.cfg = cfg;
        this.stats = stats;
        this.lock = lock;
        this.segments = new ArrayList<>(r.segments());
        this.ackNext = r.ackNext();
        this.checkpointed = r.ackNext();
        this.checkpointSegment = r.checkpointSegment();
        this.lastOffset = r.lastOffset();
        this.durableOffset = r.lastOffset();
        this.writtenOffset = r.lastOffset();
        this.nextOffset = r.nextOffset();
        this.openedAt = r.nextOffset();
        this.backlogAtOpen = r.backlog();
        long b = 0;
        for (Segment s : segments) {
            b += s.bytes;
            s.forced = true; // what recovery found on disk survived a crash, and recovery forces what it rewrites
        }
        this.bytes = b;
    }

    /**
     * Opens (and recovers) the log in {@code fs}'s directory.
     *
     * @throws PersistentLogException when the directory cannot be locked or written, or holds a newer format
     */
    static SegmentLog open(Fs fs, LogConfig cfg, LogStats stats) {
        Closeable lock;
        try {
            lock = fs.lock();
        } catch (IOException e) {
            throw new PersistentLogException("persistent log " + fs.describe() + ": cannot take the directory lock ("
                    + e + "); refusing to start", e);
        }
        try {
            SegmentLog log = new SegmentLog(fs, cfg, stats, lock, Recovery.run(fs, cfg, stats));
            synchronized (log) {
                log.startSegment(log.nextOffset);
            }
            return log;
        } catch (IOException | RuntimeException e) {
            try {
                lock.close();
            } catch (IOException ignored) {
                // refusing anyway
            }
            if (e instanceof PersistentLogException) {
                throw (PersistentLogException) e;
            }
            throw new PersistentLogException("persistent log " + fs.describe() + ": cannot open (" + e + "); refusing to start", e);
        }
    }

    /**
     * Appends a message and writes it to the file at once (forced under {@link Fsync#ALWAYS}):
     * {@link #appendBuffered} then {@link #publish}.
     *
     * @return its offset, or -1 when the log holds {@code maxBytes} even after deleting acknowledged segments
     * @throws IllegalArgumentException when the encoded record exceeds {@code maxRecordBytes}
     */
    synchronized long append(Message m) throws IOException {
        long offset = appendBuffered(m);
        if (offset >= 0) {
            publish();
        }
        return offset;
    }

    /**
     * Appends a message to the write batch: the record gets its offset now, but readers see it, and
     * it reaches the file, only at the next {@link #publish}, {@link #flush}, roll or close (or at
     * once when the batch is full). One write per batch instead of one per record is what lets the
     * log keep up with a network source; the stage publishes as soon as its I/O thread is free.
     *
     * @return its offset, or -1 when the log holds {@code maxBytes} even after deleting acknowledged segments
     * @throws IllegalArgumentException when the encoded record exceeds {@code maxRecordBytes}
     */
    synchronized long appendBuffered(Message m) throws IOException {
        ensureOpen();
        long offset = nextOffset;
        ByteBuffer rec = RecordCodec.encode(offset, System.currentTimeMillis(), m);
        if (rec.remaining() > cfg.maxRecordBytes()) {
            stats.rejectedTooLarge.incrementAndGet();
            throw new IllegalArgumentException("record of " + rec.remaining() + " bytes exceeds maxRecordBytes " + cfg.maxRecordBytes());
        }
        int written;
        boolean direct;
        try {
            if (active.framed >= cfg.segmentBytes()) {
                roll();
            }
            int need = active.framedSize(active.framed, rec.remaining());
            if (bytes + need > cfg.maxBytes() && !reclaim(need)) {
                return -1;
            }
            if (batch.remaining() < need) {
                writeBatch();
            }
            direct = need > batch.capacity();
            written = direct ? active.append(offset, rec.getLong(8), rec) : active.frame(batch, offset, rec.getLong(8), rec);
        } catch (IOException e) {
            // ENOSPC, EIO: a partial write may sit at the end and the OS state is unknown; like a
            // failed fsync, the log takes no more appends (recovery at the next start keeps what was durable)
            failed = e;
            throw e;
        }
        nextOffset = offset + 1;
        bytes += written;
        lastOffset = offset;
        if (direct) {
            writtenOffset = offset;
        }
        stats.appendedRecords.incrementAndGet();
        stats.appendedBytes.addAndGet(written);
        return offset;
    }

    /**
     * Writes the batch to the file with one write, which makes its records readable; under
     * {@link Fsync#ALWAYS} then forces the file (a group commit of every record in the batch).
     */
    synchronized void publish() throws IOException {
        if (closed || failed != null) {
            return;
        }
        writeBatch();
        if (cfg.fsync().always() && durableOffset < lastOffset) {
            forceActive();
        }
    }

    /** @return the offset of the last record written to the file (readable), -1 if none */
    long writtenOffset() {
        return writtenOffset;
    }

    /**
     * Lock-free (the stage's drain loop asks before every cursor look, concurrently with appends):
     * a record is batched from its append (which sets {@code lastOffset}) until its batch is written
     * (which sets {@code writtenOffset}); a failed or closed log's batch is never written.
     *
     * @return true when appended records wait in the batch for {@link #publish}
     */
    boolean hasBatched() {
        return writtenOffset < lastOffset && failed == null && !closed;
    }

    private void writeBatch() throws IOException {
        if (active.hasUnwritten()) {
            try {
                active.write(batch);
            } catch (IOException e) {
                failed = e;
                LOG.error("persistent log {}: write failed; the log accepts no more appends", fs.describe(), e);
                throw e;
            }
        }
        writtenOffset = lastOffset;
    }

    /** Group commit: forces the active segment; every record appended so far is durable afterwards. */
    synchronized void flush() throws IOException {
        if (!closed && failed == null && durableOffset < lastOffset) {
            forceActive();
        }
    }

    private void forceActive() throws IOException {
        writeBatch();
        long upTo = lastOffset;
        long started = System.nanoTime();
        try {
            for (Segment s : unforcedSealed) {
                if (segments.contains(s)) { // sealed under Fsync.NEVER without a force; not yet deleted
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
        } catch (IOException e) {
            // After a failed fsync the OS may have dropped the dirty pages: nothing unforced can be trusted.
            failed = e;
            LOG.error("persistent log {}: fsync failed; the log accepts no more appends", fs.describe(), e);
            throw e;
        }
        stats.fsyncs.incrementAndGet();
        stats.fsyncListener.accept(System.nanoTime() - started);
        durableOffset = upTo;
    }

    /**
     * Lock-free (a monotonic maximum): the delivering thread must not wait for the appenders' lock.
     *
     * @param upTo every record with an offset up to and including this one is acknowledged (in memory)
     */
    void ack(long upTo) {
        long next = upTo + 1;
        long cur;
        while ((cur = ackNext) < next && !ACK_NEXT.compareAndSet(this, cur, next)) {
            Thread.onSpinWait();
        }
    }

    /**
     * Makes the acknowledged position durable (if it moved) and then deletes every segment whose
     * records are all acknowledged, in that order (see class doc).
     */
    synchronized void checkpoint() throws IOException {
        if (closed) {
            return;
        }
        long ack = ackNext;
        if (ack != checkpointed) {
            long base = segmentHolding(ack);
            forceNamed(base);
            Checkpoint.write(fs, ack, base);
            checkpointed = ack;
            checkpointSegment = base;
            stats.checkpoints.incrementAndGet();
        }
        deleteAcknowledged();
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
     * the checkpoint was written; deleting it would leave the checkpoint naming a missing file).
     */
    private void deleteAcknowledged() throws IOException {
        while (segments.size() > 1 && segments.get(0).sealed && segments.get(0).lastOffset < checkpointed
                && segments.get(0).base != checkpointSegment) {
            Segment s = segments.remove(0);
            s.close();
            fs.delete(s.name);
            bytes -= s.bytes;
            stats.segmentsDeleted.incrementAndGet();
            LOG.debug("persistent log {}: deleted acknowledged segment {}", fs.describe(), s.name);
        }
    }

    private long segmentHolding(long offset) {
        for (Segment s : segments) {
            if (s.lastOffset >= offset || s == active) {
                return s.base;
            }
        }
        return active.base;
    }

    /** Frees space by checkpointing and deleting acknowledged segments (rolling a fully acknowledged active one). */
    private boolean reclaim(int need) throws IOException {
        checkpoint();
        if (bytes + need > cfg.maxBytes() && active.records > 0 && active.lastOffset < ackNext) {
            roll();
            deleteAcknowledged();
        }
        return bytes + need <= cfg.maxBytes();
    }

    private void roll() throws IOException {
        writeBatch();
        if (!cfg.fsync().never()) {
            forceActive();
        } else {
            unforcedSealed.add(active);
        }
        active.sealed = true;
        active.close();
        startSegment(nextOffset);
    }

    private void startSegment(long base) throws IOException {
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

    /** @return a cursor at the first unacknowledged record */
    LogCursor cursor() {
        return new LogCursor(this, fs, ackNext);
    }

    /** @return the first segment with a base above {@code base} (or the first, for -1), null if none */
    synchronized Segment segmentAfter(long base) {
        for (Segment s : segments) {
            if (s.base > base) {
                return s;
            }
        }
        return null;
    }

    /** @return unacknowledged records found when the log opened */
    long backlogAtOpen() {
        return backlogAtOpen;
    }

    /** @return offsets below this were unacknowledged records recovered at open (delivered again) */
    long openedAt() {
        return openedAt;
    }

    /** @return the offset the next append gets */
    synchronized long nextOffset() {
        return nextOffset;
    }

    long durableOffset() {
        return durableOffset;
    }

    long ackNext() {
        return ackNext;
    }

    long bytes() {
        return bytes;
    }

    String describe() {
        return fs.describe();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("persistent log " + fs.describe() + " is closed");
        }
        if (failed != null) {
            throw new IOException("persistent log " + fs.describe() + " failed: " + failed, failed);
        }
    }

    /** Clean close: forces the active segment (every policy), writes the checkpoint, releases the lock. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (failed == null) {
                forceActive();
            }
            checkpoint();
        } finally {
            closed = true;
            for (Segment s : segments) {
                s.close();
            }
            lock.close();
        }
    }
}
