package io.sluice.persist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link PersistentOverflow} stage; {@link #build()} opens the log. Create with
 * {@code io.sluice.overflow.Overflow.persistent(Path)}. Not thread-safe.
 */
public final class PersistentBuilder {
    final Path dir;
    String name = "persistent";
    Fsync fsync = Fsync.every(Duration.ofMillis(10));
    long maxBytes = 1L << 30;
    long segmentBytes = 64L << 20;
    int blockSize = Format.DEFAULT_BLOCK;
    int maxRecordBytes = 16 << 20;
    WhenFull whenFull = WhenFull.BLOCK;
    Duration checkpointInterval = Duration.ofMillis(100);
    int maxUnacked;
    int prefetch = 256;
    java.util.concurrent.Executor appendThread;
    boolean deliverOnAppend;

    /** @param dir the log directory (created if missing) */
    public PersistentBuilder(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** @param n stage name for logs and metrics @return this */
    public PersistentBuilder name(String n) {
        this.name = Objects.requireNonNull(n, "name");
        return this;
    }

    /** @param f when appends are forced (default every 10 ms) @return this */
    public PersistentBuilder fsync(Fsync f) {
        this.fsync = Objects.requireNonNull(f, "fsync");
        return this;
    }

    /** @param bytes bound on the log's files, at least two segments (default 1 GiB) @return this */
    public PersistentBuilder maxBytes(long bytes) {
        this.maxBytes = bytes;
        return this;
    }

    /** @param bytes size at which a segment is rolled (default 64 MiB) @return this */
    public PersistentBuilder segmentBytes(long bytes) {
        this.segmentBytes = bytes;
        return this;
    }

    /** @param bytes largest encoded message (default 16 MiB); larger ones are rejected and counted @return this */
    public PersistentBuilder maxRecordBytes(int bytes) {
        this.maxRecordBytes = bytes;
        return this;
    }

    /** @param w what to do when the log is full (default {@link WhenFull#BLOCK}) @return this */
    public PersistentBuilder whenFull(WhenFull w) {
        this.whenFull = Objects.requireNonNull(w, "whenFull");
        return this;
    }

    /** @param d how often acknowledgements are made durable (default 100 ms) @return this */
    public PersistentBuilder checkpointInterval(Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("checkpointInterval must be above zero");
        }
        this.checkpointInterval = d;
        return this;
    }

    /**
     * Records are acknowledged only through {@link PersistentOverflow#acknowledge(long)}; at most
     * {@code window} records are delivered and unacknowledged at a time.
     *
     * @param window delivery window, at least 1
     * @return this
     */
    public PersistentBuilder explicitAck(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1");
        }
        this.maxUnacked = window;
        return this;
    }

    /** @param n messages requested from upstream at a time (default 256) @return this */
    public PersistentBuilder prefetch(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1");
        }
        this.prefetch = n;
        return this;
    }

    /**
     * @param executor the single thread that signals {@code onNext} to the stage (e.g. the executor of a
     *     {@code publishOn} in front): after a burst of appends the stage delivers the new records on
     *     that thread, from memory, with no thread hand-off (by default the stage's own thread is woken)
     * @return this
     */
    public PersistentBuilder appendThread(java.util.concurrent.Executor executor) {
        this.appendThread = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /**
     * Delivers each appended record at once on the thread that appended it (a network event loop,
     * with no {@code publishOn} in front) when the reader keeps up and the record is still in memory;
     * reading back from the files, requests and acknowledgements that must wake the reader run on the
     * stage's own thread. The appending thread does the log's in-memory work (encoding, framing,
     * CRC), writes a full write batch to the page cache, and when a segment is full creates the
     * next one (forcing its small header and the directory); the full segment's own force waits for
     * the next group commit unless {@link Fsync#ALWAYS}, and group commits run on the stage's timer
     * thread. When the log holds {@code maxBytes} the appending thread reclaims space (a
     * checkpoint). Meant for an interval {@link Fsync}, where no append waits for a group commit.
     *
     * @return this
     */
    public PersistentBuilder deliverOnAppend() {
        this.deliverOnAppend = true;
        return this;
    }

    PersistentBuilder blockSize(int b) {
        this.blockSize = b;
        return this;
    }

    /**
     * Opens (and recovers) the log.
     *
     * @return the stage
     * @throws PersistentLogException when the directory cannot be used (exact reason in the message)
     */
    public PersistentOverflow build() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PersistentLogException("persistent log " + dir + ": cannot create the directory (" + e
                    + "); refusing to start", e);
        }
        if (!Files.isDirectory(dir)) {
            throw new PersistentLogException("persistent log " + dir + ": not a directory; refusing to start", null);
        }
        return build(new NioFs(dir));
    }

    PersistentOverflow build(Fs fs) {
        return new PersistentOverflow(this, fs);
    }
}
