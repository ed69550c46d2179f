package io.sluice.transport.file;

import io.sluice.Message;
import io.sluice.transport.TransportMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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

/**
 * One subscription of a {@link FileSink}: the thread that delivers a message copies its record into
 * the current direct buffer (no hand-off per message); a buffer is handed to one I/O worker when it is
 * full, when it holds {@code prefetch} messages that await acknowledgement, or when its oldest data has
 * waited {@code flushInterval}. The worker writes every buffer handed to it so far with one gathering
 * write, then acknowledges the messages whose records ended in them and gives the buffers back.
 *
 * <p>Bounded: {@link #BUFFERS} buffers of {@code bufferSize} bytes. When all are handed off, further
 * messages are held, in order, until the worker frees one; upstream is asked for more (in batches of
 * three quarters of {@code prefetch}) only while nothing is held, so at most {@code prefetch} messages
 * are held. A record larger than a buffer is copied through several.
 *
 * <p>Threads: the delivering thread and the worker share the state under this object's monitor; the
 * channel is written and closed only on the worker (its tasks run one at a time, in order).
 */
final class BufferedFileWriter implements CoreSubscriber<Message> {

    /** Buffers per writer: one being filled while others are written. */
    static final int BUFFERS = 4;

    private static final Logger LOG = LoggerFactory.getLogger(BufferedFileWriter.class);

    private final FileChannel channel;
    private final Path path;
    private final FileSink.Format format;
    private final long flushNanos;
    private final int prefetch;
    private final int limit;
    private final TransportMetrics metrics;
    private final Scheduler clock;
    private final Scheduler.Worker worker;

    // guarded by this
    private final ArrayDeque<Batch> free = new ArrayDeque<>(BUFFERS);
    private final ArrayDeque<Batch> full = new ArrayDeque<>(BUFFERS);
    private final ArrayDeque<Message> held = new ArrayDeque<>();
    /** Bytes of the first held message's record already copied. */
    private int heldOffset;
    private Batch current;
    /** Clock time at which the oldest data in {@code current} was buffered; -1 when it is empty. */
    private long bufferedSinceNanos = -1;
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
        this.format = format;
        this.flushNanos = flushNanos;
        this.prefetch = prefetch;
        this.limit = Math.max(1, prefetch - (prefetch >> 2));
        this.metrics = metrics;
        this.clock = clock;
        this.worker = clock.createWorker();
        for (int i = 0; i < BUFFERS; i++) {
            // direct: FileChannel copies a heap buffer into a temporary direct one on every write
            free.add(new Batch(bufferSize));
        }
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
            int at = copy(m, 0);
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
     * Copies {@code m}'s record from byte {@code from} on into the buffers, handing off each one it fills.
     *
     * @return -1 when the whole record is copied, else how far it got (no free buffer)
     */
    private int copy(Message m, int from) {
        byte[] p = m.payload();
        int head = format == FileSink.Format.LENGTH_PREFIXED ? 4 : 0;
        int length = head + p.length + (format == FileSink.Format.NEWLINE ? 1 : 0);
        int at = from;
        if (length == 0 && current == null) { // an empty record still needs a buffer to carry its acknowledgement
            current = free.poll();
            if (current == null) {
                return 0;
            }
        }
        while (at < length) {
            if (current == null) {
                current = free.poll();
                if (current == null) {
                    return at;
                }
            }
            ByteBuffer b = current.buffer;
            if (at == 0 && b.remaining() >= length) { // the usual case: the whole record fits
                if (head > 0) {
                    b.putInt(p.length);
                }
                b.put(p);
                if (head + p.length < length) {
                    b.put((byte) '\n');
                }
                at = length;
            } else if (at < head) {
                b.put((byte) (p.length >>> (24 - 8 * at)));
                at++;
            } else if (at < head + p.length) {
                int n = Math.min(b.remaining(), head + p.length - at);
                b.put(p, at - head, n);
                at += n;
            } else {
                b.put((byte) '\n');
                at++;
            }
            buffered();
            if (!b.hasRemaining()) {
                handOff();
            }
        }
        metrics.message(p.length);
        consumed++;
        if (m.awaitsAck()) {
            // the record ended in the last buffer touched: acknowledged once that one is written
            Batch last = current != null ? current : full.peekLast();
            last.acks.add(m);
            if (last == current) {
                buffered();
                // acknowledgements bound what a persistent stage delivers: do not sit on many
                if (current.acks.size() >= prefetch) {
                    handOff();
                }
            }
        }
        return -1;
    }

    /** Something entered {@code current}: the flush interval of its oldest data starts now unless it did already. */
    private void buffered() {
        if (bufferedSinceNanos < 0) {
            bufferedSinceNanos = clock.now(TimeUnit.NANOSECONDS);
            if (timer == null) {
                timer = worker.schedule(this::timedFlush, flushNanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void handOff() {
        full.add(current);
        current = null;
        bufferedSinceNanos = -1;
    }

    /** @return true if the caller must schedule {@link #drain()} (there is something to write, no task yet) */
    private boolean startWriting() {
        if (full.isEmpty() || writing) {
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
            Batch[] batch;
            synchronized (this) {
                if (full.isEmpty() || failed) {
                    writing = false;
                    return;
                }
                batch = full.toArray(new Batch[0]);
                full.clear();
            }
            if (!write(batch)) {
                return;
            }
            int request;
            synchronized (this) {
                free.addAll(Arrays.asList(batch));
                while (!held.isEmpty()) {
                    int at = copy(held.peek(), heldOffset);
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

    /** @return false after a failure (reported: the stream fails) */
    private boolean write(Batch[] batch) {
        ByteBuffer[] bufs = new ByteBuffer[batch.length];
        long left = 0;
        for (int i = 0; i < batch.length; i++) {
            bufs[i] = batch[i].buffer.flip();
            left += bufs[i].remaining();
        }
        try {
            while (left > 0) {
                left -= channel.write(bufs);
            }
        } catch (IOException e) {
            fail(e);
            return false;
        }
        for (Batch b : batch) {
            b.buffer.clear();
            if (!b.acks.isEmpty()) {
                b.acks.forEach(Message::ack);
                b.acks.clear();
            }
        }
        return true;
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
            if (closed || bufferedSinceNanos < 0) {
                return;
            }
            long waited = clock.now(TimeUnit.NANOSECONDS) - bufferedSinceNanos;
            if (waited < flushNanos) {
                timer = worker.schedule(this::timedFlush, flushNanos - waited, TimeUnit.NANOSECONDS);
                return;
            }
            handOff();
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
                    if (current != null && (current.buffer.position() > 0 || !current.acks.isEmpty())) {
                        handOff();
                    }
                    if (full.isEmpty() && held.isEmpty()) {
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

    /** A direct buffer and the messages whose records end in it that await acknowledgement. */
    private static final class Batch {
        final ByteBuffer buffer;
        final ArrayList<Message> acks = new ArrayList<>();

        Batch(int size) {
            this.buffer = ByteBuffer.allocateDirect(size);
        }
    }
}
