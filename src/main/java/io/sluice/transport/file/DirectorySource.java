package io.sluice.transport.file;

import io.sluice.Message;
import io.sluice.pipeline.Source;
import io.sluice.transport.TransportMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Emits one {@link Message} per regular file below a root directory, walking sub-directories in
 * parallel: at most {@code concurrency} directory listings and file reads run at once across the
 * whole tree (not per directory), on Reactor's bounded-elastic scheduler. Symbolic links are not
 * followed. The payload is the file's content; headers {@code path} (relative to the root) and
 * {@code size}. Files larger than {@code maxFileSize} (default 16 MiB) fail the walk rather than
 * exhaust memory.
 *
 * <p>The first error (unreadable directory, oversized file, I/O error) cancels the whole walk and
 * is signalled downstream, so the pipeline reports it; nothing continues in the background: no
 * listing or read starts after the error has been signalled, and those in flight are cancelled
 * (their results, and any later errors, are discarded). A listing error is the file system's
 * {@link IOException} (e.g. {@link java.nio.file.NoSuchFileException} naming the directory); a
 * read error is an {@link UncheckedIOException} whose message names the file.
 * Emission order follows completion order, not directory order.
 */
public final class DirectorySource implements Source<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);

    private final Path root;
    private final int concurrency;
    private final long maxFileSize;
    private final PathMatcher filter;
    private final TransportMetrics metrics = new TransportMetrics("dir");
    private final FileAccess access;
    private final Scheduler scheduler;

    private DirectorySource(Builder b) {
        this.root = b.root;
        this.concurrency = b.concurrency;
        this.maxFileSize = b.maxFileSize;
        this.filter = b.filter;
        this.access = b.access;
        this.scheduler = b.scheduler;
    }

    /**
     * @param root directory to walk
     * @return a builder
     */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** @return files and bytes read, errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    @Override
    public Flux<Message> flux() {
        return Flux.defer(() -> new Walk(scheduler != null ? scheduler : Schedulers.boundedElastic()).run());
    }

    /**
     * One walk. Directory listings and file reads are tasks on a single work queue drained by one
     * {@code flatMap} bounded to {@code concurrency}, so the bound holds across the whole tree; a
     * listing puts its children back on the queue. {@code pending} counts tasks queued or running:
     * when it reaches zero the tree is exhausted and the queue completes.
     */
    private final class Walk {
        private final Scheduler io;
        private final AtomicLong pending = new AtomicLong(1);
        /** Set before the first error is signalled, or on cancel: tasks that start later do nothing. */
        private final AtomicBoolean stopped = new AtomicBoolean();
        private volatile FluxSink<FileAccess.Entry> queue;

        Walk(Scheduler io) {
            this.io = io;
        }

        Flux<Message> run() {
            Flux<FileAccess.Entry> tasks = Flux.create(q -> {
                queue = q;
                q.next(new FileAccess.Entry(root, true));
            }, FluxSink.OverflowStrategy.BUFFER);
            return tasks
                    .flatMap(t -> (t.directory() ? list(t.path()) : read(t.path())).subscribeOn(io), concurrency)
                    .doOnCancel(() -> stopped.set(true))
                    .doOnError(e -> {
                        metrics.error();
                        LOG.debug("walk of {} failed", root, e);
                    });
        }

        private Mono<Message> list(Path dir) {
            return Mono.fromCallable(() -> {
                if (stopped.get()) {
                    return null;
                }
                List<FileAccess.Entry> entries;
                try {
                    entries = access.list(dir);
                } catch (IOException | RuntimeException e) {
                    if (stopped.getAndSet(true)) {
                        return null; // already failed or cancelled: nobody to report to
                    }
                    throw e;
                }
                List<FileAccess.Entry> accepted = new ArrayList<>(entries.size());
                for (FileAccess.Entry e : entries) {
                    if (e.directory() || filter == null || filter.matches(e.path().getFileName())) {
                        accepted.add(e);
                    }
                }
                pending.addAndGet(accepted.size());
                FluxSink<FileAccess.Entry> q = queue;
                accepted.forEach(q::next);
                taskDone();
                return null;
            });
        }

        private Mono<Message> read(Path file) {
            return Mono.fromCallable(() -> {
                if (stopped.get()) {
                    return null;
                }
                byte[] bytes;
                try {
                    bytes = access.read(file, maxFileSize);
                } catch (IOException | RuntimeException e) {
                    if (stopped.getAndSet(true)) {
                        return null;
                    }
                    if (e instanceof IOException) {
                        throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), (IOException) e);
                    }
                    throw e;
                }
                metrics.message(bytes.length);
                taskDone();
                return Message.builder().payload(bytes)
                        .header("path", root.relativize(file).toString())
                        .header("size", Integer.toString(bytes.length))
                        .build();
            });
        }

        private void taskDone() {
            if (pending.decrementAndGet() == 0) {
                queue.complete();
            }
        }
    }

    /** Builder of {@link DirectorySource}. */
    public static final class Builder {
        private final Path root;
        private int concurrency = 4;
        private long maxFileSize = 16L << 20;
        private PathMatcher filter;
        private FileAccess access = FileAccess.DEFAULT;
        private Scheduler scheduler;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root");
        }

        /**
         * @param n parallel listings and reads, at least 1 (default 4)
         * @return this
         */
        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, was " + n);
            }
            this.concurrency = n;
            return this;
        }

        /**
         * @param bytes largest file accepted (default 16 MiB)
         * @return this
         */
        public Builder maxFileSize(long bytes) {
            this.maxFileSize = bytes;
            return this;
        }

        /**
         * @param glob file-name glob, e.g. {@code "*.log"}; directories are always walked
         * @return this
         */
        public Builder glob(String glob) {
            this.filter = root.getFileSystem().getPathMatcher("glob:" + glob);
            return this;
        }

        /** Test seam: the file system operations. */
        Builder access(FileAccess a) {
            this.access = Objects.requireNonNull(a, "access");
            return this;
        }

        /** Test seam: where listings and reads run (default bounded-elastic). */
        Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /** @return the source */
        public DirectorySource build() {
            return new DirectorySource(this);
        }
    }
}
