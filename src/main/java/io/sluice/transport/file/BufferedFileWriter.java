package io.sluice.transport.file;

import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * One subscription of a {@link FileSink}: the thread that delivers a message copies its record into
 * the current direct buffer (no hand-off per message); a buffer is handed to one I/O worker when it is
 * full, when it holds {@code 4 x prefetch} messages that await acknowledgement, or when its oldest data has
 * waited {@code flushInterval}. The worker writes every buffer handed to it so far with one gathering
 * write, then acknowledges the messages whose records ended in them and gives the buffers back.
 *
 * <p>Bounded: {@link RecordBuffers#BUFFERS} buffers of {@code bufferSize} bytes. When all are handed off, further
 * messages are held, in order, until the worker frees one; upstream is asked for more (in batches of
 * three quarters of {@code prefetch}) only while nothing is held, so at most {@code prefetch} messages
 * are held. A record larger than a buffer is copied through several.
 *
 * <p>Threads: the delivering thread and the worker share the state under this object's monitor; the
 * channel is written and closed only on the worker (its tasks run one at a time, in order).
 */
final class BufferedFileWriter implements CoreSubscriber<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(BufferedFileWriter.class);

    private final FileChannel channel;
    private final Path path;
    private final long flushNanos;
    private final int prefetch;
    private final int limit;
    private final TransportMetrics metrics;
    private final Scheduler clock;
    private final Scheduler.Worker worker;

    // guarded by this
    private final RecordBuffers buffers;
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    /** Bytes of the first held message's record already copied. */
    private int heldOffset;
    private Disposable timer;
    /** A write task is scheduled on the worker and has not yet found {@code full} empty. */
    private boolean writing;
    /** Messages taken in and not yet asked for again from upstream. */
    private int consumed;
    private boolean closed;
    private boolean failed;
    /** The run's outcome was signalled (a later write failure is then thrown by {@link #close()}). */
    private boolean terminated;
    /** A write failure not yet reported to anyone. */
    private IOException failure;

    private volatile Subscription upstream;
    private volatile MonoSink<Void> done;

    BufferedFileWriter(FileChannel channel, Path path, FileSink.Format format, int bufferSize, long flushNanos,
                       int prefetch, TransportMetrics metrics, Scheduler clock) {
        this.channel = channel;
        this.path = path;
        this.flushNanos = flushNanos;
        this.prefetch = prefetch;
        this.limit = Math.max(1, prefetch - (prefetch >> 2));
        this.metrics = metrics;
        this.clock = clock;
        this.worker = clock.createWorker();
        // a buffer is handed off at 4 x prefetch acknowledgements (or when full, or after flushInterval):
        // at prefetch it went every 256 small records, a worker wake-up and write each, and a persistent
        // stage upstream waited on those round trips (issue 14); its window (8192 in the gateway) stays above
        // what 4 buffers can hold
        this.buffers = new RecordBuffers(format, bufferSize, 4 * prefetch, () -> clock.now(TimeUnit.NANOSECONDS));
    }

    /** @return subscribes to {@code messages}; completes when they complete (call {@link #close()} then) */
    Mono<Void> run(Flux<Message> messages) {
        return Mono.create(s -> {
            done = s;
            s.onCancel(() -> {
                Subscription u = upstream;
                if (u != null) {
                    u.cancel();
                }
            });
            messages.subscribe(this);
        });
    }

    /** @return the context of whoever subscribed to {@link #run} (it flows on upstream, as with any operator) */
    @Override
    public Context currentContext() {
        MonoSink<Void> d = done;
        return d == null ? Context.empty() : Context.of(d.contextView());
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        s.request(prefetch);
    }

    @Override
    public void onNext(Message m) {
        boolean write;
        int request;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (!held.isEmpty()) {
                held.add(m);
                return;
            }
            int at = take(m, 0);
            if (at >= 0) {
                held.add(m);
                heldOffset = at;
            }
            write = startWriting();
            request = replenish();
        }
        if (write) {
            schedule(this::drain);
        }
        if (request > 0) {
            upstream.request(request);
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            terminated = true;
        }
        done.error(t);
    }

    @Override
    public void onComplete() {
        synchronized (this) {
            terminated = true;
        }
        done.success();
    }

    /**
     * Copies {@code m}'s record from byte {@code from} on into the buffers; arms the flush timer when
     * data entered an empty buffer.
     *
     * @return -1 when the whole record is copied (counted), else how far it got (no free buffer)
     */
    private int take(Message m, int from) {
        int at = buffers.copy(m, from);
        if (buffers.started() && timer == null) {
            timer = worker.schedule(this::timedFlush, flushNanos, TimeUnit.NANOSECONDS);
        }
        if (at < 0) {
            metrics.message(m.size());
            consumed++;
        }
        return at;
    }

    /** @return true if the caller must schedule {@link #drain()} (there is something to write, no task yet) */
    private boolean startWriting() {
        if (!buffers.hasFull() || writing) {
            return false;
        }
        writing = true;
        return true;
    }

    /** @return how many messages to request from upstream now (only while nothing is held) */
    private int replenish() {
        if (consumed < limit || !held.isEmpty() || closed) {
            return 0;
        }
        int n = consumed;
        consumed = 0;
        return n;
    }

    /** Worker: writes what was handed off (one gathering write per round), acknowledges, recycles, resumes. */
    private void drain() {
        for (;;) {
            RecordBuffers.Batch[] batch;
            synchronized (this) {
                if (!buffers.hasFull() || failed) {
                    writing = false;
                    return;
                }
                batch = buffers.takeFull();
            }
            try {
                RecordBuffers.write(channel, batch);
            } catch (IOException e) {
                fail(e);
                return;
            }
            int request;
            synchronized (this) {
                buffers.recycle(batch);
                while (!held.isEmpty()) {
                    int at = take(held.peek(), heldOffset);
                    if (at >= 0) {
                        heldOffset = at;
                        break;
                    }
                    held.poll();
                    heldOffset = 0;
                }
                request = replenish();
            }
            if (request > 0) {
                upstream.request(request);
            }
        }
    }

    private void fail(IOException e) {
        boolean report;
        synchronized (this) {
            failed = true;
            closed = true;
            held.clear();
            report = !terminated;
            terminated = true;
            if (!report) {
                failure = e;
            }
        }
        metrics.error();
        LOG.debug("writing {} failed", path, e);
        Subscription u = upstream;
        if (u != null) {
            u.cancel();
        }
        if (report) {
            done.error(new UncheckedIOException("writing " + path, e));
        }
    }

    /** Worker: hands the current buffer off if its oldest data waited the interval, else re-arms for the rest. */
    private void timedFlush() {
        synchronized (this) {
            timer = null;
            long since = buffers.bufferedSinceNanos();
            if (closed || since < 0) {
                return;
            }
            long waited = clock.now(TimeUnit.NANOSECONDS) - since;
            if (waited < flushNanos) {
                timer = worker.schedule(this::timedFlush, flushNanos - waited, TimeUnit.NANOSECONDS);
                return;
            }
            buffers.handOffCurrent();
            writing = true;
        }
        drain();
    }

    /**
     * Writes everything taken in (held messages included), forces and closes the file, on the worker;
     * after a failure only closes it.
     *
     * @return completes once the file is closed
     */
    Mono<Void> close() {
        return Mono.create(s -> schedule(() -> {
            try {
                finish();
                s.success();
            } catch (IOException e) {
                s.error(new UncheckedIOException("closing " + path, e));
            } catch (RuntimeException e) {
                s.error(e);
            } finally {
                worker.dispose();
            }
        }));
    }

    private void finish() throws IOException {
        try (FileChannel c = channel) {
            for (;;) {
                synchronized (this) {
                    if (timer != null) {
                        timer.dispose();
                        timer = null;
                    }
                    if (failed) {
                        if (failure != null) {
                            IOException e = failure;
                            failure = null;
                            throw e;
                        }
                        return;
                    }
                    buffers.handOffCurrent();
                    if (!buffers.hasFull()) {
                        if (!held.isEmpty()) { // they wait only while every buffer is handed off
                            throw new IllegalStateException(held.size() + " messages held with a buffer free");
                        }
                        closed = true;
                        break;
                    }
                    writing = true;
                }
                drain();
            }
            c.force(false);
        }
    }

    private void schedule(Runnable task) {
        try {
            worker.schedule(task);
        } catch (RejectedExecutionException e) {
            task.run(); // the scheduler is shutting down: finish on this thread
        }
    }
}
