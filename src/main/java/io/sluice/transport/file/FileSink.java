package io.sluice.transport.file;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Writes message payloads to a file through an in-memory buffer of {@code bufferSize} bytes. The
 * buffer is written out when it is full, once {@code flushInterval} has passed since its oldest
 * data was buffered (so a quiet stream still reaches the disk), and when the stream completes,
 * fails or is cancelled; the file is then closed. Blocking file I/O runs on Reactor's
 * bounded-elastic scheduler; upstream is requested in batches of {@code prefetch}, so a slow disk
 * backpressures the pipeline.
 *
 * <p>Acknowledgements ({@link #acknowledges()}): a message that awaits one is acknowledged once its
 * bytes are written to the OS, i.e. when the buffer is written out; the buffer is also written out
 * as soon as {@code prefetch} such messages are in it. The file is not forced per message (it is at
 * close): a machine crash may lose what the OS had not written back; a process crash does not.
 *
 * <p>Record format: {@link Format#NEWLINE} writes the payload followed by {@code '\n'};
 * {@link Format#LENGTH_PREFIXED} writes a 4-byte big-endian length then the payload;
 * {@link Format#RAW} writes payloads back to back.
 */
public final class FileSink implements Sink<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(FileSink.class);

    /** How each message is written. */
    public enum Format {
        /** payload + '\n' */
        NEWLINE,
        /** 4-byte big-endian unsigned length + payload */
        LENGTH_PREFIXED,
        /** payload only */
        RAW
    }

    private final Path path;
    private final int bufferSize;
    private final Duration flushInterval;
    private final Format format;
    private final boolean append;
    private final int prefetch;
    private final TransportMetrics metrics = new TransportMetrics("file");
    private final Scheduler scheduler;

    private FileSink(Builder b) {
        this.path = b.path;
        this.bufferSize = b.bufferSize;
        this.flushInterval = b.flushInterval;
        this.format = b.format;
        this.append = b.append;
        this.prefetch = b.prefetch;
        this.scheduler = b.scheduler;
    }

    /**
     * @param path file to write
     * @return a builder
     */
    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** @return messages and bytes written */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return true: a message is acknowledged once its bytes are written to the OS (not forced) */
    @Override
    public boolean acknowledges() {
        return true;
    }

    @Override
    public Mono<Void> write(Flux<Message> messages) {
        Scheduler io = scheduler != null ? scheduler : Schedulers.boundedElastic();
        return Mono.usingWhen(
                Mono.fromCallable(() -> open(io)).subscribeOn(io),
                w -> messages.publishOn(io, prefetch).doOnNext(w::write).then(),
                w -> Mono.fromRunnable(w::close).subscribeOn(io),
                (w, err) -> Mono.fromRunnable(w::close).subscribeOn(io),
                w -> Mono.fromRunnable(w::close).subscribeOn(io));
    }

    private BufferedWriter open(Scheduler io) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        FileChannel ch = append
                ? FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
        return new BufferedWriter(ch, io);
    }

    /**
     * Buffer + channel. {@code write} runs on one worker at a time, the timed flush on another:
     * guarded by this. The timer is armed when data enters an empty buffer and fires once
     * {@code flushInterval} after that data was buffered.
     */
    private final class BufferedWriter {
        private final FileChannel channel;
        private final ByteBuffer buffer;
        private final Scheduler scheduler;
        /** Scheduler time at which the oldest byte still in the buffer was buffered; -1 when empty. */
        private long bufferedSinceNanos = -1;
        private Disposable timer;
        private boolean closed;
        /** Messages whose bytes are in the buffer and that wait for their acknowledgement. */
        private final java.util.ArrayList<Message> unacked = new java.util.ArrayList<>();

        BufferedWriter(FileChannel channel, Scheduler scheduler) {
            this.channel = channel;
            this.scheduler = scheduler;
            // direct: FileChannel copies a heap buffer into a temporary direct one on every write
            this.buffer = ByteBuffer.allocateDirect(bufferSize);
        }

        synchronized void write(Message m) {
            if (closed) {
                throw new IllegalStateException("file sink " + path + " is closed");
            }
            byte[] p = m.payload();
            try {
                if (format == Format.LENGTH_PREFIXED) {
                    ensure(4);
                    buffer.putInt(p.length);
                }
                put(p);
                if (format == Format.NEWLINE) {
                    ensure(1);
                    buffer.put((byte) '\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + path, e);
            }
            metrics.message(p.length);
            if (m.awaitsAck()) {
                unacked.add(m);
                if (unacked.size() >= prefetch) {
                    // acknowledgements bound what a persistent stage delivers: do not sit on many
                    try {
                        flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException("writing " + path, e);
                    }
                    return;
                }
            }
            if (buffer.position() > 0 && bufferedSinceNanos < 0) {
                bufferedSinceNanos = now();
                if (timer == null) {
                    arm(flushInterval.toNanos());
                }
            }
        }

        private void put(byte[] p) throws IOException {
            if (p.length > buffer.capacity()) {
                flush();
                writeFully(ByteBuffer.wrap(p));
                return;
            }
            ensure(p.length);
            buffer.put(p);
        }

        private void ensure(int n) throws IOException {
            if (buffer.remaining() < n) {
                flush();
            }
        }

        /** Writes the buffer to the OS, then acknowledges the messages it held. */
        private void flush() throws IOException {
            buffer.flip();
            writeFully(buffer);
            buffer.clear();
            bufferedSinceNanos = -1;
            if (!unacked.isEmpty()) {
                unacked.forEach(Message::ack);
                unacked.clear();
            }
        }

        private void writeFully(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        private long now() {
            return scheduler.now(TimeUnit.NANOSECONDS);
        }

        private void arm(long delayNanos) {
            timer = scheduler.schedule(this::timedFlush, delayNanos, TimeUnit.NANOSECONDS);
        }

        /** Flushes if the oldest buffered data has waited {@code flushInterval}, else re-arms for the rest. */
        synchronized void timedFlush() {
            timer = null;
            if (closed || bufferedSinceNanos < 0) {
                return;
            }
            long waited = now() - bufferedSinceNanos;
            if (waited < flushInterval.toNanos()) {
                arm(flushInterval.toNanos() - waited);
                return;
            }
            try {
                flush();
            } catch (IOException e) {
                metrics.error();
                LOG.warn("timed flush of {} failed", path, e);
            }
        }

        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (timer != null) {
                timer.dispose();
                timer = null;
            }
            try (FileChannel c = channel) {
                flush();
                c.force(false);
            } catch (IOException e) {
                throw new UncheckedIOException("closing " + path, e);
            }
        }
    }

    /** Builder of {@link FileSink}. */
    public static final class Builder {
        private final Path path;
        private int bufferSize = 64 * 1024;
        private Duration flushInterval = Duration.ofSeconds(1);
        private Format format = Format.NEWLINE;
        private boolean append;
        private int prefetch = 256;
        private Scheduler scheduler;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        /**
         * @param bytes write buffer size, at least 1 (default 64 KiB)
         * @return this
         */
        public Builder bufferSize(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("bufferSize must be >= 1, was " + bytes);
            }
            this.bufferSize = bytes;
            return this;
        }

        /**
         * @param interval longest time written data may stay in the buffer (default 1 s)
         * @return this
         */
        public Builder flushInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("flushInterval must be positive, was " + interval);
            }
            this.flushInterval = interval;
            return this;
        }

        /**
         * @param f record format (default {@link Format#NEWLINE})
         * @return this
         */
        public Builder format(Format f) {
            this.format = Objects.requireNonNull(f, "format");
            return this;
        }

        /**
         * @param appendToExisting append instead of truncating (default false)
         * @return this
         */
        public Builder append(boolean appendToExisting) {
            this.append = appendToExisting;
            return this;
        }

        /**
         * @param n upstream batch size (default 256)
         * @return this
         */
        public Builder prefetch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("prefetch must be >= 1, was " + n);
            }
            this.prefetch = n;
            return this;
        }

        /** Test seam: where file I/O and timed flushes run, and whose clock times them (default bounded-elastic). */
        Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /** @return the sink */
        public FileSink build() {
            return new FileSink(this);
        }
    }
}
