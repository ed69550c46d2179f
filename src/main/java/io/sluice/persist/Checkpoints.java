package io.sluice.persist;

import java.io.IOException;

/**
 * Serialises the checkpoints of a {@link SegmentLog}: one {@link Checkpoint} file is written at a
 * time, and it is written and forced without the log's monitor (its two forces would otherwise
 * stall the appending thread, an event loop, several times a second). The segment a checkpoint
 * names is not deleted until the file is written ({@link SegmentFiles#prepareCheckpoint}).
 *
 * <p>Locking: no lock of its own. The flag {@code checkpointing} is guarded by the log's monitor,
 * and {@link #await} waits on that monitor, so a reclaim or close under the log's lock waits for a
 * checkpoint in progress without blocking it.
 */
final class Checkpoints {

    private final SegmentLog log;
    private final Fs fs;
    private final SegmentFiles files;
    /** A checkpoint file is being written without the log's monitor; guarded by the log. */
    private boolean checkpointing;

    Checkpoints(SegmentLog log, Fs fs, SegmentFiles files) {
        this.log = log;
        this.fs = fs;
        this.files = files;
    }

    /**
     * Makes the acknowledged position durable (if it moved), then deletes every segment whose
     * records are all acknowledged. Not to be called holding the log's monitor.
     */
    void checkpoint() throws IOException {
        SegmentFiles.Plan plan;
        synchronized (log) {
            if (!await(true) || log.isClosed()) {
                return;
            }
            plan = files.prepareCheckpoint(log.ackNext());
            if (plan == null) {
                files.checkpointWritten(null);
                return;
            }
            checkpointing = true;
        }
        boolean written = false;
        try {
            Checkpoint.write(fs, plan.ackNext(), plan.base());
            written = true;
        } finally {
            synchronized (log) {
                checkpointing = false;
                log.notifyAll();
                if (written) {
                    files.checkpointWritten(plan);
                } else {
                    files.checkpointFailed();
                }
            }
        }
    }

    /**
     * Waits (releasing the log's monitor, which the caller holds) until no checkpoint is being written.
     *
     * @param interruptible stop waiting when interrupted (the interrupt is kept either way)
     * @return false when it stopped waiting for an interrupt
     */
    boolean await(boolean interruptible) {
        boolean interrupted = false;
        while (checkpointing && !(interrupted && interruptible)) {
            try {
                log.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return !checkpointing;
    }
}
