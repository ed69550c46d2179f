package io.sluice.persist;

import java.io.IOException;
import java.util.List;

/**
 * The group commit of a {@link SegmentLog}: writes its {@link WriteBatch} to the active segment and
 * forces the segment files, and keeps the durable end ({@link #durableOffset()}). Under
 * {@link Fsync#ALWAYS} the log forces at every {@link #publish} and roll; under the other policies
 * a timer's {@link #flush} does (and a checkpoint or clean close). Only records appended before a
 * commit began are reported durable by it.
 *
 * <p>Locking: no lock of its own. Every method except {@link #flush} and {@link #durableOffset} is
 * called holding the log's monitor; {@link #flush} takes that same monitor to write the batch and
 * open its handles, forces without it, and takes it again to record the result. A failed write or
 * force fails the log ({@link SegmentLog#fail}).
 */
final class GroupCommit {

    private final SegmentLog log;
    private final SegmentFiles files;
    private final WriteBatch batch;
    private final boolean always;
    private volatile long durableOffset;

    /** At open the records on disk (the batch's written end) count as durable. */
    GroupCommit(SegmentLog log, SegmentFiles files, WriteBatch batch, Fsync fsync) {
        this.log = log;
        this.files = files;
        this.batch = batch;
        this.always = fsync.always();
        this.durableOffset = batch.writtenOffset();
    }

    /** @return the offset of the last record forced to disk, -1 if none */
    long durableOffset() {
        return durableOffset;
    }

    /**
     * Writes the batch with one write, which makes its records readable; under {@link Fsync#ALWAYS}
     * then forces the file (a group commit of every record in the batch). Holding the log's monitor.
     */
    void publish() throws IOException {
        if (!log.writable()) {
            return;
        }
        write();
        if (always && durableOffset < log.lastOffset()) {
            forceAll();
        }
    }

    /** Writes the batch to the active segment (holding the log's monitor). */
    void write() throws IOException {
        try {
            batch.write(files.active(), log.lastOffset());
        } catch (IOException e) {
            throw log.fail(e, "write");
        }
    }

    /**
     * Group commit: every record appended before the call is durable afterwards. The batch is
     * written under the log's monitor; the force runs without it, on handles of its own, so appends
     * go on meanwhile (they are not claimed durable by this commit). Not concurrent with itself (one
     * timer thread). Not to be called holding the monitor.
     */
    void flush() throws IOException {
        List<Fs.FsFile> handles;
        long upTo;
        Segment active;
        synchronized (log) {
            if (!log.writable() || durableOffset >= log.lastOffset()) {
                return;
            }
            write();
            upTo = log.lastOffset();
            active = files.active();
            try {
                handles = files.openForForce();
            } catch (IOException e) {
                throw fsyncFailed(e);
            }
            if (handles == null) {
                forceAll(); // the directory too (Fsync.NEVER's deferred segment creation): under the monitor
                return;
            }
        }
        long started = System.nanoTime();
        try {
            SegmentFiles.forceAndClose(handles);
        } catch (IOException e) {
            throw fsyncFailed(e);
        }
        synchronized (log) {
            files.forced(active, started);
            if (upTo > durableOffset) {
                durableOffset = upTo;
            }
        }
    }

    /** Writes the batch and forces every segment file under the log's monitor (roll, close, ALWAYS). */
    void forceAll() throws IOException {
        write();
        long upTo = log.lastOffset();
        try {
            files.forceAll();
        } catch (IOException e) {
            throw fsyncFailed(e);
        }
        if (upTo > durableOffset) {
            durableOffset = upTo;
        }
    }

    /** After a failed fsync the OS may have dropped the dirty pages: nothing unforced can be trusted. */
    private IOException fsyncFailed(IOException e) {
        return log.fail(e, "fsync");
    }
}
