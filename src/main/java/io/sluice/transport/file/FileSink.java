package io.sluice.transport.file;

import io.sluice.Message;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Writes message payloads to a file through in-memory buffers of {@code bufferSize} bytes. The thread
 * that delivers a message copies its record into the current buffer; a buffer is written out when it
 * is full, once {@code flushInterval} has passed since its oldest data was buffered (so a quiet stream
 * still reaches the disk), and when the stream completes, fails or is cancelled; the file is then
 * forced and closed. Blocking file I/O runs on one worker of Reactor's bounded-elastic scheduler, which
 * writes every buffer handed to it meanwhile with one gathering write while the next one fills; with
 * all {@value RecordBuffers#BUFFERS} buffers waiting for the disk, nothing more is requested from
 * upstream (in batches of {@code prefetch}), so a slow disk backpressures the pipeline. A write
 * failure fails the stream.
 *
 * <p>Acknowledgements ({@link #acknowledges()}): a message that awaits one is acknowledged once its
 * bytes are written to the OS, i.e. when its buffer is written out; a buffer is also written out as
 * soon as {@code prefetch} such messages are in it. The file is not forced per message (it is at
 * close): a machine crash may lose what the OS had not written back; a process crash does not.
 *
 * <p>Record format: {@link Format#NEWLINE} writes the payload followed by {@code '\n'};
 * {@link Format#LENGTH_PREFIXED} writes a 4-byte big-endian length then the payload;
 * {@link Format#RAW} writes payloads back to back.
 */
public final class FileSink implements Sink<Message> {

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
                w -> w.run(messages),
                BufferedFileWriter::close,
                (w, err) -> w.close(),
                BufferedFileWriter::close);
    }

    private BufferedFileWriter open(Scheduler io) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        FileChannel ch = append
                ? FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
        return new BufferedFileWriter(ch, path, format, bufferSize, flushInterval.toNanos(), prefetch, metrics, io);
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
