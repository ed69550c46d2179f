package io.sluice.persist;

import io.sluice.Message;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One subscription of a {@link PersistentOverflow}. Upstream side: each message is appended to the
 * log; upstream gets {@code prefetch} demand at a time, replenished as messages are appended or
 * dropped, and none while messages are held because the log is full ({@link WhenFull#BLOCK}: at
 * most {@code prefetch} held). Downstream side: a drain loop, serialised by a work-in-progress
 * counter, reads records from the log's cursor (one read ahead, for the age metric) and emits at
 * most what downstream requested, and, in explicit-ack mode, at most {@code window} unacknowledged.
 * Completion or an upstream error reaches downstream after every appended record.
 *
 * <p>Fewer thread hops: with {@link PersistentBuilder#deliverOnAppend} each append runs the drain
 * on the appending thread, which delivers from the log's memory tail only (a reader behind it is
 * served from the files by the io thread). Else after a burst of appends (or every {@value #BURST})
 * the drain runs on the appending thread when the stage knows it ({@link PersistentBuilder#appendThread}).
 * Either way a reader that keeps up gets its records from memory (no wait for the batch to be
 * written, no read back); the write and the force happen at the group commit (or when the batch is
 * full), off the delivery path. A request or an acknowledgement wakes the drain (on the stage's
 * thread) only when it waits for demand, for room in the window or holds messages for room in the
 * log ({@link DeliveryGate}).
 */
final class PersistentSubscriber implements CoreSubscriber<Message>, Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(PersistentSubscriber.class);
    /** Appends after which the appending thread delivers at once, without waiting for the end of its burst. */
    static final int BURST = 64;
    /**
     * On an event loop ({@link PersistentBuilder#deliverOnAppend}): appends after which it delivers without
     * waiting for the end of its read (a read may bring thousands of records); as many as a consumer
     * such as a {@code publishOn} queue takes at a time, so that it is woken about once per run.
     */
    static final int LOOP_BURST = 256;

    private final CoreSubscriber<? super Message> actual;
    private final PersistentOverflow stage;
    private final SegmentLog log;
    private final int prefetch;
    private final boolean explicitAck;
    /** Deliver on the appending thread, from memory only ({@link PersistentBuilder#deliverOnAppend}). */
    private final boolean deliverOnAppend;
    private final AtomicInteger wip = new AtomicInteger();
    /** Downstream's demand and the window: what the drain may deliver now. */
    private final DeliveryGate gate;
    private Subscription upstream;
    /** Appends, or holds messages while the log is full. */
    private final Appender appender;
    /** Appends since the appending thread last ran the drain itself. */
    private int sinceDrain;
    private volatile boolean done;
    private volatile Throwable error;
    private volatile boolean cancelled;
    private boolean terminated;
    private volatile boolean ready;
    /** The cursor and handing records downstream (drain only; set in onSubscribe, before {@link #ready}). */
    private Reading reading;

    PersistentSubscriber(CoreSubscriber<? super Message> actual, PersistentOverflow stage) {
        this.actual = actual;
        this.stage = stage;
        this.log = stage.log;
        this.prefetch = stage.settings.prefetch;
        this.appender = new Appender(stage, actual.currentContext(), Math.max(1, prefetch - (prefetch >> 2)));
        int window = stage.settings.maxUnacked;
        this.explicitAck = window > 0;
        this.gate = new DeliveryGate(window, () -> (int) stage.unackedDelivered());
        this.deliverOnAppend = stage.settings.deliverOnAppend;
        stage.window.reset(); // a new reader starts again at the first unacknowledged record
    }

    @Override
    public Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(upstream, s)) {
            upstream = s;
            reading = new Reading(stage, gate, explicitAck, actual);
            // Upstream first: appending does not wait for downstream; the drain loop stays idle
            // (no signal downstream) until downstream has its Subscription.
            s.request(prefetch);
            actual.onSubscribe(this);
            ready = true;
            drain();
        }
    }

    @Override
    public void onNext(Message m) {
        if (done) {
            Operators.onNextDropped(m, currentContext());
            return;
        }
        requestUpstream(appender.offer(m));
        if (stage.publishEachBatch) {
            stage.threads.schedulePublish(); // acknowledgements towards the source wait for this write (and force)
        }
        if (deliverOnAppend) {
            // from memory, on this thread (see PersistentBuilder.deliverOnAppend): once per burst of
            // appends (a network read), so the consumer is handed records in runs, not woken per record
            if (++sinceDrain >= LOOP_BURST) {
                sinceDrain = 0;
                drain();
            } else if (!stage.threads.drainAfterBurst(this)) {
                drain(); // not an event loop: at once
            }
            return;
        }
        if (++sinceDrain >= BURST) {
            sinceDrain = 0;
            drain(); // delivers from memory when the reader keeps up
        } else {
            stage.threads.drainSoon(this); // delivers the rest of the burst once it is appended
        }
    }

    private void requestUpstream(int n) {
        if (n > 0 && !done && !cancelled) {
            upstream.request(n);
        }
    }

    /** Retries held messages (the log may have room after acknowledgements and a checkpoint). */
    private void retryHeld() {
        requestUpstream(appender.retry());
    }

    private void fail(Throwable t) {
        if (error == null) {
            error = t;
        }
        done = true;
        upstream.cancel();
        LOG.error("persistent stage '{}': appending failed; the stage stops (what is on disk stays there)", stage.name(), t);
    }

    @Override
    public void onError(Throwable t) {
        if (done) {
            Operators.onErrorDropped(t, currentContext());
            return;
        }
        error = t;
        done = true;
        drain();
    }

    @Override
    public void onComplete() {
        if (!done) {
            done = true;
            drain();
        }
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n) && gate.request(n)) {
            if (deliverOnAppend) {
                drainFromMemory(); // on the requesting thread while the reader is in memory, else on the io thread
            } else {
                stage.threads.drainOnIo(this); // else the appending thread delivers as records arrive
            }
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        upstream.cancel();
        drain();
    }

    void shutdown() {
        cancel();
    }

    void drain() {
        run(false);
    }

    /**
     * A drain on a thread that may be interrupted (a consumer's worker requesting more): delivers
     * records from the memory tail only and touches no file (an interrupt during a {@code FileChannel}
     * operation would close it). Anything else (reading the files, retrying held messages, ending)
     * goes to the io thread.
     */
    private void drainFromMemory() {
        run(true);
    }

    /** Runs the drain, serialised by the work-in-progress counter ({@code memoryOnly}: see {@link #drainFromMemory}). */
    private void run(boolean memoryOnly) {
        if (wip.getAndIncrement() != 0) {
            return; // the running drain sees what changed
        }
        int missed = 1;
        boolean needIo = false;
        while (true) {
            if (!terminated && !needIo) {
                try {
                    if (!memoryOnly) {
                        drainOnce();
                    } else if (ready) {
                        needIo = cancelled || done || appender.holding() || !reading.fromMemory();
                    }
                } catch (RuntimeException | Error t) {
                    // a downstream onNext threw (rule 2.13 violated): stop, as Reactor operators do; from
                    // memory only, the io drain ends the subscription (its checkpoint touches files), and
                    // being cancelled it signals nothing more downstream
                    reactor.core.Exceptions.throwIfJvmFatal(t);
                    cancelled = true;
                    upstream.cancel();
                    if (memoryOnly) {
                        needIo = true;
                    } else {
                        end();
                    }
                    actual.onError(Operators.onOperatorError(this, t, currentContext()));
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                break;
            }
        }
        if (needIo) {
            stage.threads.drainOnIo(this);
        }
    }

    private void drainOnce() {
        if (!ready) {
            return;
        }
        if (cancelled) {
            end();
            return;
        }
        // on a thread not the stage's own (an event loop): never read the files, leave that to the io thread
        boolean memoryOnly = deliverOnAppend && !stage.threads.ownThread();
        try {
            boolean wasDone = done;
            boolean retry = true;
            // whether the batch held unwritten records just before the cursor last looked: when it did
            // not and the cursor found nothing, every appended record has been read (a publish between
            // the look and a later check must not let the stage complete without its records)
            boolean unwritten = true;
            boolean behind = false;
            while (true) {
                if (retry) {
                    retryHeld(); // acknowledgements may have made room
                    retry = false;
                }
                if (cancelled) {
                    end();
                    return;
                }
                if (reading.ahead == null) {
                    unwritten = log.hasBatched();
                    if (memoryOnly && !reading.cursor.inMemoryOrCaughtUp()) {
                        // behind: the io thread reads the files, when there is something to deliver (else
                        // the request or acknowledgement that makes room wakes it: no wake-up per append)
                        if (gate.open()) {
                            stage.threads.drainOnIo(this);
                        }
                        behind = true; // the cursor did not look: not "nothing left" (no completion here)
                        break;
                    }
                    reading.ahead = reading.next();
                }
                if (reading.ahead == null || !gate.open()) {
                    if (reading.ahead == null && unwritten && !reading.caughtUp()) {
                        stage.threads.schedulePublish(); // caught up with what is written; the publish drains again
                    }
                    if (reading.ahead == null && hasHeld()) {
                        retryHeld();
                        if (!hasHeld()) {
                            continue;
                        }
                        unwritten = log.hasBatched();
                        if ((reading.ahead = reading.next()) != null) {
                            continue;
                        }
                    }
                    break;
                }
                reading.emit();
            }
            reading.refreshAge(); // once per pass, not per record (a metric)
            reading.ackDelivered();
            if (wasDone && reading.ahead == null && !behind && !hasHeld() && (!unwritten || reading.caughtUp())) {
                end();
                Throwable t = error;
                if (t != null) {
                    actual.onError(t);
                } else {
                    actual.onComplete();
                }
            }
        } catch (IOException e) {
            fail(e);
            end();
            actual.onError(e);
        }
    }

    private boolean hasHeld() {
        return appender.hasHeld();
    }

    /** @return true when an acknowledgement must run the drain (window full, or messages held for room) */
    boolean wakeOnAck() {
        return gate.waitsForAck() || appender.holding();
    }

    /** Ends the subscription: the log stays open (and its data on disk) for the next one. */
    private void end() {
        reading.ackDelivered(); // before the checkpoint below
        if (terminated) {
            return;
        }
        terminated = true;
        reading.cursor.close();
        appender.refuseHeld("the persistent stage stopped before the message was written");
        stage.oldestUnacked = stage.window.oldestAppendTime();
        stage.live.compareAndSet(this, null);
        try {
            log.checkpoint();
        } catch (IOException e) {
            LOG.warn("persistent stage '{}': checkpoint at the end of a subscription failed", stage.name(), e);
        }
    }

    @Override
    public String toString() {
        return "PersistentSubscriber{" + gate + ", done=" + done
                + ", terminated=" + terminated + ", cancelled=" + cancelled + ", wip=" + wip.get() + ", ahead="
                + (reading != null && reading.ahead != null) + ", held=" + hasHeld() + '}';
    }
}
