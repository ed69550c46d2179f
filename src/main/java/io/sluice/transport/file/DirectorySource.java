package io.sluice.transport.file;

import io.sluice.Message;
import io.sluice.pipeline.Source;
import io.sluice.transport.TransportMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Emits one {@link Message} per regular file below a root directory, walking sub-directories in
 * parallel: at most {@code concurrency} directory listings and file reads run at once, on Reactor's
 * bounded-elastic scheduler. Symbolic links are not followed. The payload is the file's content;
 * headers {@code path} (relative to the root) and {@code size}. Files larger than
 * {@code maxFileSize} (default 16 MiB) fail the walk rather than exhaust memory.
 *
 * <p>The first error (unreadable directory, oversized file, I/O error) cancels the whole walk and
 * is signalled downstream, so the pipeline reports it; nothing continues in the background.
 * Emission order follows completion order, not directory order.
 */
public final class DirectorySource implements Source<Message> {

    private final Path root;
    private final int concurrency;
    private final long maxFileSize;
    private final PathMatcher filter;
    private final TransportMetrics metrics = new TransportMetrics("dir");

    private DirectorySource(Builder b) {
        this.root = b.root;
        this.concurrency = b.concurrency;
        this.maxFileSize = b.maxFileSize;
        this.filter = b.filter;
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
        Scheduler io = Schedulers.boundedElastic();
        return walk(root, io)
                .flatMap(file -> Mono.fromCallable(() -> read(file)).subscribeOn(io), concurrency)
                .doOnError(e -> metrics.error());
    }

    private Flux<Path> walk(Path dir, Scheduler io) {
        return Mono.fromCallable(() -> list(dir))
                .subscribeOn(io)
                .flatMapMany(Flux::fromIterable)
                .flatMap(entry -> entry.directory ? walk(entry.path, io) : Flux.just(entry.path), concurrency);
    }

    private List<Entry> list(Path dir) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) {
                    entries.add(new Entry(p, true));
                } else if (a.isRegularFile() && (filter == null || filter.matches(p.getFileName()))) {
                    entries.add(new Entry(p, false));
                }
            }
        }
        return entries;
    }

    private Message read(Path file) {
        try {
            long size = Files.size(file);
            if (size > maxFileSize) {
                throw new IOException("file " + file + " is " + size + " bytes, more than the maximum " + maxFileSize);
            }
            byte[] bytes = Files.readAllBytes(file);
            metrics.message(bytes.length);
            return Message.builder().payload(bytes)
                    .header("path", root.relativize(file).toString())
                    .header("size", Integer.toString(bytes.length))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Entry {
        final Path path;
        final boolean directory;

        Entry(Path path, boolean directory) {
            this.path = path;
            this.directory = directory;
        }
    }

    /** Builder of {@link DirectorySource}. */
    public static final class Builder {
        private final Path root;
        private int concurrency = 4;
        private long maxFileSize = 16L << 20;
        private PathMatcher filter;

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

        /** @return the source */
        public DirectorySource build() {
            return new DirectorySource(this);
        }
    }
}
