package io.sluice.persist;

import io.sluice.Message;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-consistent segment log: appends, group commit ({@link GroupCommit}), acknowledgements,
 * checkpoints ({@link Checkpoints}), segment deletion, and cursors that stream records from disk
 * (memory bounded by one block and one record per cursor, whatever the backlog).
 *
 * <h2>Operation order, justified against the {@link Fs} crash model</h2>
 * <ol>
 *   <li><b>Append</b>: framed into the {@link WriteBatch}, which {@link #publish} writes with one
 *       write and then makes readable ({@link #writtenOffset()}); under {@link Fsync#ALWAYS} it then
 *       forces the segment, else the next {@link #flush()} does ({@link #durableOffset()}). A crash
 *       loses the unwritten batch and may tear unforced writes at any sector: recovery truncates at
 *       the last complete record (fragment CRCs find it). No record is reported durable before its
 *       batch was written and forced. A reader may get a record before that, from the
 *       {@link MemoryTail}: acknowledging it may move the checkpoint past the durable end, which
 *       recovery handles (new offsets start after the checkpoint); its sender, told only once it
 *       is durable, resends it after a crash.</li>
 *   <li><b>Roll</b> and <b>Delete</b>: see {@link SegmentFiles}.</li>
 *   <li><b>Checkpoint</b> ({@link Checkpoint#write}): temp file, force, rename, fsync directory;
 *       segments are deleted only after it returned. Written without the lock, one at a time; the
 *       segment it names was forced before and is not deleted meanwhile.</li>
 * </ol>
 * Offsets are never reused: after a restart new records start after every offset on disk and
 * after the checkpoint, and go to a new segment file, so stale bytes can never be read as new data.
 *
 * <p>Thread safety: appends, flushes and checkpoints are serialised on this object (its helpers
 * have no lock of their own); acknowledgements are lock-free; each cursor is used by one thread at
 * a time, concurrently with the writer.
 */
final class SegmentLog implements Closeable {

    static final String LOCK = "lock";
    private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);

    private final Fs fs;
    private final LogConfig cfg;
    final LogStats stats;
    private final Closeable lock;
    private final SegmentFiles files;
    /** Recently appended records, served to a reader that keeps up (see {@link MemoryTail}). */
    private final MemoryTail tail = new MemoryTail();
    private long nextOffset;
    private volatile long lastOffset;
    /** Records framed by {@link #appendBuffered} and not yet written; guarded by this. */
    private final WriteBatch batch;
    /** Writes the batch and forces the files; the durable end. */
    private final GroupCommit commit;
    private final Checkpoints checkpoints;
    /** The first offset not acknowledged (in memory; durable at the next checkpoint). */
    private final AtomicLong ackNext = new AtomicLong();
    private final long openedAt;
    private final long backlogAtOpen;
    private volatile boolean closed;
    private volatile IOException failed;

    private SegmentLog(Fs fs, LogConfig cfg, LogStats stats, Closeable lock, Recovery.Result r) {
        this.fs = fs;
        this.cfg = cfg;
        this.stats = stats;
        this.lock = lock;
        this.files = new SegmentFiles(fs, cfg, stats, r);
        this.ackNext.set(r.ackNext());
        this.lastOffset = r.lastOffset();
        this.batch = new WriteBatch(r.lastOffset());
        this.commit = new GroupCommit(this, files, batch, cfg.fsync());
        this.checkpoints = new Checkpoints(this, fs, files);
        this.nextOffset = r.nextOffset();
        this.openedAt = r.nextOffset();
        this.backlogAtOpen = r.backlog();
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
                log.files.start(log.nextOffset);
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
     * Appends a message to the write batch and the memory tail: the record gets its offset now, and
     * reaches the file at the next {@link #publish}, {@link #flush}, roll or close (or at once when
     * the batch is full): one write per batch, not per record.
     *
     * @return its offset, or -1 when the log holds {@code maxBytes} even after deleting acknowledged segments
     * @throws IllegalArgumentException when the encoded record exceeds {@code maxRecordBytes}
     */
    synchronized long appendBuffered(Message m) throws IOException {
        ensureOpen();
        long offset = nextOffset;
        long appendTime = System.currentTimeMillis();
        int recordSize = WriteBatch.plainRecordSize(m); // else encoded now (a key or headers, or too large)
        java.nio.ByteBuffer rec = recordSize >= 0 && recordSize <= cfg.maxRecordBytes() ? null
                : batch.encode(offset, appendTime, m, cfg.maxRecordBytes(), stats);
        recordSize = rec == null ? recordSize : rec.remaining();
        int written;
        Segment active;
        try {
            if (files.active().framed >= cfg.segmentBytes()) {
                roll();
            }
            active = files.active();
            int need = active.framedSize(active.framed, recordSize);
            if (files.bytes() + need > cfg.maxBytes() && !reclaim(need)) {
                return -1;
            }
            if (!batch.fits(need)) {
                commit.write();
            }
            active = files.active();
            written = rec == null ? batch.addPlain(active, offset, appendTime, m, recordSize, need)
                    : batch.add(active, offset, appendTime, rec, need);
        } catch (IOException e) {
            // ENOSPC, EIO: a partial write may sit at the end and the OS state is unknown; like a
            // failed fsync, the log takes no more appends (recovery at the next start keeps what was durable)
            failed = e;
            throw e;
        }
        nextOffset = offset + 1;
        files.grew(written);
        tail.add(offset, appendTime, m, recordSize, active.base, active.framed);
        lastOffset = offset;
        // one writer at a time (this lock): release stores, not a locked add per record
        stats.appendedRecords.lazySet(stats.appendedRecords.get() + 1);
        stats.appendedBytes.lazySet(stats.appendedBytes.get() + written);
        return offset;
    }

    /** Writes the batch with one write (readable), then forces it under ALWAYS: {@link GroupCommit#publish}. */
    synchronized void publish() throws IOException {
        commit.publish();
    }

    /** @return the offset of the last record written to the file (readable), -1 if none */
    long writtenOffset() {
        return batch.writtenOffset();
    }

    /**
     * Lock-free: a record is batched from its append (which sets {@code lastOffset}) until its batch
     * is written (which sets {@code writtenOffset}); a failed or closed log's batch is never written.
     *
     * @return true when appended records wait in the batch for {@link #publish}
     */
    boolean hasBatched() {
        return batch.writtenOffset() < lastOffset && failed == null && !closed;
    }

    /**
     * @param offset the next record a reader wants
     * @return it from memory, or null when it must be read from the file (or waits for an append);
     *     after a failure only what was written is served
     */
    MemoryTail.Item fromMemory(long offset) {
        MemoryTail.Item it = tail.get(offset);
        return it != null && failed != null && offset > batch.writtenOffset() ? null : it;
    }

    /** @return the offset of the last record appended (written or batched), -1 if none */
    long lastOffset() {
        return lastOffset;
    }

    /** Group commit of every record appended before the call, forced without the lock: {@link GroupCommit#flush}. */
    void flush() throws IOException {
        commit.flush();
    }

    /** A write or fsync failed (the OS state is unknown): the log takes no more appends; returns {@code e}. */
    IOException fail(IOException e, String what) {
        failed = e;
        LOG.error("persistent log {}: {} failed; the log accepts no more appends", fs.describe(), what, e);
        return e;
    }

    /** @return false once the log is closed or failed */
    boolean writable() {
        return !closed && failed == null;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Lock-free (a monotonic maximum): the delivering thread must not wait for the appenders' lock.
     *
     * @param upTo every record with an offset up to and including this one is acknowledged (in memory)
     */
    void ack(long upTo) {
        ackNext.accumulateAndGet(upTo + 1, Math::max);
    }

    /**
     * Makes the acknowledged position durable, then deletes fully acknowledged segments; written
     * without the lock, one at a time: {@link Checkpoints#checkpoint}. Not to be called holding the lock.
     */
    void checkpoint() throws IOException {
        checkpoints.checkpoint();
    }

    /** Frees space by checkpointing and deleting acknowledged segments (rolling a fully acknowledged active one). */
    private boolean reclaim(int need) throws IOException {
        // under the lock: waits for a checkpoint being written (the lock is free meanwhile), then writes one here
        if (!checkpoints.await(true) || closed) {
            return false;
        }
        files.checkpoint(ackNext.get());
        Segment active = files.active();
        if (files.bytes() + need > cfg.maxBytes() && active.records > 0 && active.lastOffset < ackNext.get()) {
            roll();
            files.deleteAcknowledged();
        }
        return files.bytes() + need <= cfg.maxBytes();
    }

    /**
     * Roll: write the full segment (under {@link Fsync#ALWAYS} also force it; otherwise the next
     * group commit or checkpoint does, see {@link SegmentFiles}), then start the next one.
     */
    private void roll() throws IOException {
        commit.write();
        if (cfg.fsync().always()) {
            commit.forceAll();
        }
        files.seal();
        files.start(nextOffset);
    }

    /** @return a cursor at the first unacknowledged record */
    LogCursor cursor() {
        return new LogCursor(this, fs, ackNext.get());
    }

    /** @return the first segment with a base above {@code base} (or the first, for -1), null if none */
    synchronized Segment segmentAfter(long base) {
        return files.after(base);
    }

    /** @return the segment with this base, null if there is none (any more) */
    synchronized Segment segmentAt(long base) {
        return files.at(base);
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
        return commit.durableOffset();
    }

    long ackNext() {
        return ackNext.get();
    }

    long bytes() {
        return files.bytes();
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
        checkpoints.await(false); // one writer of the checkpoint file at a time
        if (closed) {
            return;
        }
        try {
            if (failed == null) {
                commit.forceAll();
            }
            files.checkpoint(ackNext.get());
        } finally {
            closed = true;
            files.closeAll();
            lock.close();
        }
    }
}
