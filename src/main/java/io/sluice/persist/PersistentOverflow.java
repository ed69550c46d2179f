package io.sluice.persist;

import io.sluice.Ack;
import io.sluice.Message;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * A durable overflow stage: every message from upstream is appended to a crash-consistent segment
 * log on disk, and downstream reads from that log at its own pace, honouring {@code request(n)}
 * exactly. Memory stays bounded whatever the backlog: at most {@code prefetch} messages held while
 * the log is full, one block and one record per reader, and the window of delivered but
 * unacknowledged records. Create with {@code io.sluice.overflow.Overflow.persistent(Path)}.
 *
 * <p><b>Opening</b> ({@link PersistentBuilder#build()}) recovers the directory: every record not acknowledged
 * before a crash or stop is delivered again first, in order (at-least-once). <b>Acknowledgement</b>:
 * by default a record is acknowledged once handed downstream ({@code onNext} returned); with
 * {@link PersistentBuilder#explicitAck(int)} each delivered message carries an {@link Ack} that its consumer
 * calls when done with it (e.g. a sink, when its destination has it), or the consumer calls
 * {@link #acknowledge(long)} for the oldest records. <b>Towards the source</b>: a message that
 * arrives with an {@link Ack} (a source waiting to answer its sender) is acknowledged once its record
 * is durable per {@link Fsync}. Acknowledged positions are checkpointed every {@link PersistentBuilder#checkpointInterval},
 * so a crash redelivers at most what was acknowledged since. <b>Durability of appends</b> follows
 * {@link Fsync}; {@link #durableOffset()} tells how far. When the log holds {@code maxBytes},
 * {@link WhenFull} decides.
 *
 * <p>One subscription at a time per stage (a log has one reader); the stage does blocking file I/O
 * on the threads that signal it. {@link #close()} forces, checkpoints and releases the directory.
 */
public final class PersistentOverflow implements Function<Flux<Message>, Flux<Message>>, AutoCloseable {

    final SegmentLog log;
    final LogStats stats;
    final PersistentBuilder settings;
    private final long backlogAtOpen;
    /** The timer and io threads (see there). */
    final StageThreads threads;
    final AtomicReference<PersistentSubscriber> live = new AtomicReference<>();
    private volatile boolean closed;
    /** Records delivered and not acknowledged (explicit-ack mode). */
    final AckWindow window;
    /** Acknowledgements towards the source, once appended records are durable. */
    final DurableAcks durableAcks;
    /** Append time of the oldest unacknowledged record the reader has seen, 0 if none. */
    volatile long oldestUnacked;
    /**
     * Whether each batch is written (and forced) as soon as the stage's timer thread is free: under
     * {@link Fsync#ALWAYS} and {@link Fsync#NEVER} acknowledgements towards the source wait for it.
     * With a group-commit interval they wait for the group commit, which writes the batch itself, and
     * a reader that keeps up is served from memory: no write (nor thread hand-off) per batch.
     */
    final boolean publishEachBatch;

    PersistentOverflow(PersistentBuilder b, Fs fs) {
        this.settings = b;
        this.stats = new LogStats();
        this.log = SegmentLog.open(fs, new LogConfig(b.segmentBytes, b.blockSize, b.maxBytes, b.fsync, b.maxRecordBytes), stats);
        this.backlogAtOpen = log.backlogAtOpen();
        this.durableAcks = new DurableAcks(b.name);
        this.window = new AckWindow(b.maxUnacked, this::acknowledgedInWindow);
        this.publishEachBatch = b.fsync.interval() == null;
        this.threads = new StageThreads(this, b);
    }

    /**
     * Cancels from downstream, and the drains that requests need, run on the stage's own thread:
     * reading the log and the checkpoint at cancel then never run on a thread
     * Reactor may interrupt (a {@code publishOn} worker of a later stage is interrupted when the
     * pipeline is cancelled), since an interrupt during a {@code FileChannel} operation closes the
     * channel ({@code ClosedByInterruptException}) and would fail the log. Appends run on the thread
     * that signals {@code onNext}: put a {@code publishOn} in front when that is a network event loop.
     */
    @Override
    public Flux<Message> apply(Flux<Message> upstream) {
        return Flux.from(new FluxPersistent(upstream, this)).subscribeOn(threads.ioScheduler, false)
                .cancelOn(threads.ioScheduler);
    }

    /** The window's head moved: every delivered record up to {@code upTo} is acknowledged. */
    private void acknowledgedInWindow(long upTo) {
        oldestUnacked = window.oldestAppendTime();
        acknowledged(upTo);
    }

    /** Records up to {@code upTo} are acknowledged: tell the log, and the reader (its window has room). */
    private void acknowledged(long upTo) {
        if (upTo < 0 || closed) {
            return; // after close (a sink acknowledging late): the record is delivered again next time
        }
        log.ack(upTo);
        PersistentSubscriber s = live.get();
        if (s != null && s.wakeOnAck()) {
            threads.drainOnIo(s); // not on the acknowledging thread: a sink's worker may be interrupted
        }
    }

    /**
     * Acknowledges the {@code count} oldest delivered, unacknowledged records (explicit-ack mode;
     * with acknowledgement on delivery there is nothing to acknowledge).
     *
     * @param count how many, at most the number delivered and not yet acknowledged
     * @return how many were acknowledged
     */
    public long acknowledge(long count) {
        long n = window.acknowledgeOldest(count);
        if (live.get() == null) {
            oldestUnacked = window.oldestAppendTime();
        }
        return n;
    }

    /** @return records delivered with an acknowledgement (explicit-ack mode) that has not come yet */
    public long awaitingAck() {
        return window.size();
    }

    long unackedDelivered() {
        return window.size();
    }

    /** @return the highest offset known durable under the fsync policy, -1 if none */
    public long durableOffset() {
        return log.durableOffset();
    }

    /** @return records on disk not yet acknowledged (exact unless corrupt records were skipped) */
    public long records() {
        return Math.max(0, backlogAtOpen + stats.appendedRecords.get() - (stats.delivered.get() - unackedDelivered()));
    }

    /** @return bytes of all segment files */
    public long bytes() {
        return log.bytes();
    }

    /** @return unacknowledged records found on disk when the stage opened (delivered again first) */
    public long backlogAtOpen() {
        return backlogAtOpen;
    }

    /**
     * @param nanos told the duration of every force of appended data (a group commit, or each append
     *     under {@link Fsync#ALWAYS}), on the thread that forced; must be quick and must not throw
     */
    public void onFsync(java.util.function.LongConsumer nanos) {
        stats.fsyncListener = Objects.requireNonNull(nanos, "nanos");
    }

    /** @return records appended since the stage opened */
    public long appended() {
        return stats.appendedRecords.get();
    }

    /** @return records delivered downstream since the stage opened (redeliveries included) */
    public long delivered() {
        return stats.delivered.get();
    }

    /** @return records delivered again after a restart (unacknowledged when the log opened) */
    public long redelivered() {
        return stats.redelivered.get();
    }

    /** @return corrupt ranges skipped (middle of a segment, at recovery or while reading) */
    public long corrupt() {
        return stats.corrupt.get();
    }

    /** @return torn tails truncated at recovery */
    public long tornTails() {
        return stats.tornTails.get();
    }

    /** @return messages dropped because the log was full ({@link WhenFull#DROP_NEWEST}) */
    public long droppedFull() {
        return stats.droppedFull.get();
    }

    /**
     * @return the write or force that failed the log (it refuses every new message until reopened),
     *     null while it works
     */
    public IOException failure() {
        return durableAcks.failure();
    }

    /** @return messages refused because the log had failed ({@link #failure()}) */
    public long refusedAfterFailure() {
        return durableAcks.refusedAfterFailure();
    }

    /** @return messages rejected because their record exceeds {@code maxRecordBytes} */
    public long rejectedTooLarge() {
        return stats.rejectedTooLarge.get();
    }

    /**
     * @param issue a kind of startup problem
     * @return how often this stage met it when opening
     */
    public long startupIssues(StartupIssue issue) {
        return stats.issues.get(issue).get();
    }

    /** @return age in milliseconds of the oldest unacknowledged record the reader has seen, 0 if none */
    public long oldestUnackedAgeMillis() {
        long t = oldestUnacked;
        return t == 0 ? 0 : Math.max(0, System.currentTimeMillis() - t);
    }

    /** @return the stage name */
    public String name() {
        return settings.name;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        threads.stopTimer();
        PersistentSubscriber s = live.get();
        if (s != null) {
            s.shutdown();
        }
        try {
            log.close();
            durableAcks.durableUpTo(Long.MAX_VALUE); // close forced every append
        } finally {
            durableAcks.refuseWaiting("the persistent log closed before the message was durable");
            threads.stopIo();
        }
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Overflow.persistent(" + settings.dir + ", '" + settings.name + "')";
    }
}
