package io.sluice.persist;

import io.sluice.Ack;
import io.sluice.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

    private static final Logger LOG = LoggerFactory.getLogger(PersistentOverflow.class);

    final SegmentLog log;
    final LogStats stats;
    final PersistentBuilder settings;
    private final long backlogAtOpen;
    private final ScheduledExecutorService timer;
    /** Thread for downstream requests and cancels; a plain Executor, so Reactor never interrupts it. */
    private final java.util.concurrent.ExecutorService io;
    private final reactor.core.scheduler.Scheduler ioScheduler;
    final AtomicReference<PersistentSubscriber> live = new AtomicReference<>();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean publishQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean drainQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** Where a drain after a burst of appends runs: the appending thread when known, else {@link #io}. */
    private final java.util.concurrent.Executor afterAppends;
    /** {offset, appendTime} delivered and not acknowledged (explicit-ack mode), oldest first; guarded by itself. */
    final java.util.ArrayDeque<long[]> unacked = new java.util.ArrayDeque<>();
    /** Offsets in {@link #unacked} acknowledged before an older one (out of order); guarded by {@code unacked}. */
    final java.util.Set<Long> ackedAhead = new java.util.HashSet<>();
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
        this.publishEachBatch = b.fsync.interval() == null;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-persist-" + b.name);
            t.setDaemon(true);
            return t;
        });
        this.io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-persist-io-" + b.name);
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.Executor plain = io::execute; // a service would be wrapped with interrupting cancels
        this.afterAppends = b.appendThread != null ? b.appendThread : plain;
        this.ioScheduler = reactor.core.scheduler.Schedulers.fromExecutor(plain);
        Duration fsyncEvery = b.fsync.interval();
        if (fsyncEvery != null) {
            long ms = Math.max(1, fsyncEvery.toMillis());
            timer.scheduleWithFixedDelay(this::groupCommit, ms, ms, TimeUnit.MILLISECONDS);
        }
        long cp = Math.max(1, b.checkpointInterval.toMillis());
        timer.scheduleWithFixedDelay(this::checkpoint, cp, cp, TimeUnit.MILLISECONDS);
    }

    private void groupCommit() {
        try {
            log.flush();
            durableAcks.durableUpTo(log.durableOffset());
        } catch (IOException e) {
            durableAcks.failed(null, e);
            PersistentSubscriber s = live.get();
            if (s != null) {
                s.drain();
            }
        }
    }

    /**
     * Makes the write batch readable (and, under {@link Fsync#ALWAYS}, durable) soon, on the stage's
     * timer thread: appends that arrive while it is busy join the same write (smart batching), so a
     * burst costs one write and one force instead of one per record, and a lone record waits only
     * for a thread hand-off. Not the I/O thread: a synchronous upstream subscribed there (a
     * generator) would keep it busy for ever.
     */
    void schedulePublish() {
        if (publishQueued.compareAndSet(false, true)) {
            try {
                timer.execute(this::publish);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                publishQueued.set(false); // closing: close() writes and forces the batch
            }
        }
    }

    private void publish() {
        publishQueued.set(false); // first: an append after this point queues another publish
        try {
            log.publish();
            durableAcks.durableUpTo(settings.fsync.never() ? log.writtenOffset() : log.durableOffset());
        } catch (IOException e) {
            durableAcks.failed(null, e);
        }
        PersistentSubscriber s = live.get();
        if (s != null) {
            s.drain();
        }
    }

    private void checkpoint() {
        try {
            log.checkpoint();
        } catch (IOException e) {
            LOG.error("persistent stage '{}': checkpoint failed (will retry)", settings.name, e);
        }
        PersistentSubscriber s = live.get();
        if (s != null) {
            s.drain(); // appends held while the log was full may fit now
        }
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
        return Flux.from(new FluxPersistent(upstream, this)).subscribeOn(ioScheduler, false).cancelOn(ioScheduler);
    }

    /**
     * Runs the reader's drain once after the current burst of appends: on the appending thread when
     * the builder named it (the task runs when that thread has handed over its burst, and wakes no
     * other thread), else on the stage's own thread.
     */
    void drainSoon(PersistentSubscriber s) {
        if (drainQueued.compareAndSet(false, true)) {
            try {
                afterAppends.execute(() -> {
                    drainQueued.set(false);
                    s.drain();
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                drainQueued.set(false); // closing: the subscription ends
            }
        }
    }

    /** Runs the reader's drain on the stage's own thread (a request came from a thread that may be interrupted). */
    void drainOnIo(PersistentSubscriber s) {
        try {
            io.execute(s::drain);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing: the subscription ends
        }
    }

    /**
     * @param offset a delivered record's offset
     * @return the acknowledgement its message carries in explicit-ack mode: acknowledges the record
     *     once it and every older delivered record are acknowledged (the log's acknowledged position
     *     only moves over contiguous records)
     */
    Ack ackFor(long offset) {
        return Ack.once(() -> acknowledgeOffset(offset));
    }

    private void acknowledgeOffset(long offset) {
        long upTo = -1;
        synchronized (unacked) {
            long[] head = unacked.peekFirst();
            if (head == null || offset < head[0]) {
                return; // acknowledged already, or delivered by an earlier subscription and read again since
            }
            if (offset != head[0]) {
                ackedAhead.add(offset);
                return;
            }
            upTo = unacked.pollFirst()[0];
            while (!unacked.isEmpty() && ackedAhead.remove(unacked.peekFirst()[0])) {
                upTo = unacked.pollFirst()[0];
            }
            oldestUnacked = unacked.isEmpty() ? 0 : unacked.peekFirst()[1];
        }
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
            drainOnIo(s); // not on the acknowledging thread: a sink's worker may be interrupted
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
        long n = 0;
        long upTo = -1;
        synchronized (unacked) {
            while (n < count && !unacked.isEmpty()) {
                upTo = unacked.pollFirst()[0];
                n++;
            }
            if (unacked.isEmpty() && live.get() == null) {
                oldestUnacked = 0;
            } else if (!unacked.isEmpty()) {
                oldestUnacked = unacked.peekFirst()[1];
            }
        }
        acknowledged(upTo);
        return n;
    }

    long unackedDelivered() {
        synchronized (unacked) {
            return unacked.size();
        }
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
        // shutdown, not shutdownNow: an interrupt during a group commit's FileChannel.force would close
        // the channel (ClosedByInterruptException) and fail the final force and checkpoint below.
        timer.shutdown();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("persistent stage '{}': a group commit or checkpoint still runs after 5 s; closing anyway",
                        settings.name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        PersistentSubscriber s = live.get();
        if (s != null) {
            s.shutdown();
        }
        try {
            log.close();
            durableAcks.durableUpTo(Long.MAX_VALUE); // close forced every append
        } finally {
            durableAcks.refuseWaiting("the persistent log closed before the message was durable");
            io.shutdown();
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
