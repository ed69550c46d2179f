package io.sluice.persist;

import io.netty.util.internal.ThreadExecutorMap;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The threads of a {@link PersistentOverflow}, and what runs on them. The <b>timer</b> thread runs
 * the group commit (every {@link Fsync#interval()}), the checkpoint (every checkpoint interval) and
 * publishes (writes, and under {@link Fsync#ALWAYS} forces, the batch as soon as it is free: appends
 * that arrive meanwhile join the same write). The <b>io</b> thread subscribes, cancels, and runs the
 * drains that requests and acknowledgements need: threads nobody interrupts, since an interrupt
 * during a {@code FileChannel} operation closes the channel ({@code ClosedByInterruptException})
 * and would fail the log. A drain after a burst of appends runs on the appending thread when the
 * builder named it ({@link PersistentBuilder#appendThread}), else on the io thread.
 */
final class StageThreads {

    private static final Logger LOG = LoggerFactory.getLogger(StageThreads.class);

    private final PersistentOverflow stage;
    private final ScheduledExecutorService timer;
    /** A plain executor under Reactor's scheduler, so Reactor never interrupts it. */
    private final ExecutorService io;
    /** The io thread as a Reactor scheduler (subscription and cancels). */
    final Scheduler ioScheduler;
    /** Where a drain after a burst of appends runs: the appending thread when known, else {@link #io}. */
    private final Executor afterAppends;
    private final AtomicBoolean publishQueued = new AtomicBoolean();
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final AtomicBoolean ioDrainQueued = new AtomicBoolean();
    private final AtomicBoolean loopDrainQueued = new AtomicBoolean();
    private volatile Thread timerThread;
    private volatile Thread ioThread;

    StageThreads(PersistentOverflow stage, PersistentBuilder b) {
        this.stage = stage;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> timerThread = daemon(r, "sluice-persist-" + b.name));
        this.io = Executors.newSingleThreadExecutor(r -> ioThread = daemon(r, "sluice-persist-io-" + b.name));
        Executor plain = io::execute; // a service would be wrapped with interrupting cancels
        this.afterAppends = b.appendThread != null ? b.appendThread : plain;
        this.ioScheduler = Schedulers.fromExecutor(plain);
        Duration fsyncEvery = b.fsync.interval();
        if (fsyncEvery != null) {
            long ms = Math.max(1, fsyncEvery.toMillis());
            timer.scheduleWithFixedDelay(this::groupCommit, ms, ms, TimeUnit.MILLISECONDS);
        }
        long cp = Math.max(1, b.checkpointInterval.toMillis());
        timer.scheduleWithFixedDelay(this::checkpoint, cp, cp, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void groupCommit() {
        try {
            stage.log.flush();
            stage.durableAcks.durableUpTo(stage.log.durableOffset());
        } catch (IOException e) {
            stage.durableAcks.failed(null, e);
            drainHere();
        }
    }

    /**
     * Makes the write batch readable (and, under {@link Fsync#ALWAYS}, durable) soon, on the timer
     * thread: appends that arrive while it is busy join the same write (smart batching), so a burst
     * costs one write and one force instead of one per record. Not the io thread: a synchronous
     * upstream subscribed there (a generator) would keep it busy for ever.
     */
    void schedulePublish() {
        if (!publishQueued.get() && publishQueued.compareAndSet(false, true)) {
            try {
                timer.execute(this::publish);
            } catch (RejectedExecutionException stopped) {
                publishQueued.set(false); // closing: close() writes and forces the batch
            }
        }
    }

    private void publish() {
        publishQueued.set(false); // first: an append after this point queues another publish
        SegmentLog log = stage.log;
        try {
            log.publish();
            stage.durableAcks.durableUpTo(stage.settings.fsync.never() ? log.writtenOffset() : log.durableOffset());
        } catch (IOException e) {
            stage.durableAcks.failed(null, e);
        }
        drainHere();
    }

    private void checkpoint() {
        try {
            stage.log.checkpoint();
        } catch (IOException e) {
            LOG.error("persistent stage '{}': checkpoint failed (will retry)", stage.settings.name, e);
        }
        drainHere(); // appends held while the log was full may fit now
    }

    private void drainHere() {
        PersistentSubscriber s = stage.live.get();
        if (s != null) {
            s.drain();
        }
    }

    /**
     * Runs the reader's drain once after the current burst of appends: on the appending thread when
     * the builder named it (the task runs when that thread has handed over its burst, and wakes no
     * other thread), else on the io thread.
     */
    void drainSoon(PersistentSubscriber s) {
        if (!drainQueued.get() && drainQueued.compareAndSet(false, true)) {
            try {
                afterAppends.execute(() -> {
                    drainQueued.set(false);
                    s.drain();
                });
            } catch (RejectedExecutionException closed) {
                drainQueued.set(false); // closing: the subscription ends
            }
        }
    }

    /**
     * On a Netty event loop, runs the reader's drain once the loop has handled its current read (a
     * task on the same thread: it wakes no other thread), so one drain hands over the records of the
     * whole read. At most one such drain is queued; its flag is cleared before it runs, so an append
     * that finds it set is delivered by it.
     *
     * @return false when the current thread is no event loop (or it refuses tasks): drain now
     */
    boolean drainAfterBurst(PersistentSubscriber s) {
        Executor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null) {
            return false;
        }
        if (!loopDrainQueued.get() && loopDrainQueued.compareAndSet(false, true)) {
            try {
                loop.execute(() -> {
                    loopDrainQueued.set(false);
                    s.drain();
                });
            } catch (RejectedExecutionException closed) {
                loopDrainQueued.set(false);
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the reader's drain on the io thread (a request or acknowledgement came from a thread that
     * may be interrupted, or an event loop found the reader behind). At most one such drain is queued:
     * the flag is cleared before the drain runs, so a drain that starts afterwards sees every change.
     */
    void drainOnIo(PersistentSubscriber s) {
        if (!ioDrainQueued.get() && ioDrainQueued.compareAndSet(false, true)) {
            try {
                io.execute(() -> {
                    ioDrainQueued.set(false);
                    s.drain();
                });
            } catch (RejectedExecutionException closed) {
                ioDrainQueued.set(false); // closing: the subscription ends
            }
        }
    }

    /** @return true on the stage's timer or io thread (nobody interrupts them; they may read the files) */
    boolean ownThread() {
        Thread t = Thread.currentThread();
        return t == ioThread || t == timerThread;
    }

    /**
     * Stops the timer, waiting for a group commit or checkpoint that runs (shutdown, not
     * shutdownNow: an interrupt during {@code FileChannel.force} would close the channel and fail
     * the final force and checkpoint).
     */
    void stopTimer() {
        timer.shutdown();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("persistent stage '{}': a group commit or checkpoint still runs after 5 s; closing anyway",
                        stage.settings.name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stopIo() {
        io.shutdown();
    }
}
