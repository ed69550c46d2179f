package io.sluice.transport.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a fixed set of small files (certificates, keys, a tokens file) when their content changes
 * and on demand, and hands each new, complete set of contents to a loader.
 *
 * <p>Polling compares a SHA-256 digest of every file's bytes (not modification times, whose
 * granularity can hide a quick second write). A change is applied only once the files have read the
 * same on two polls in a row, so a set being rewritten (a certificate replaced before its key) is not
 * applied half-way. {@link #reload()} (the CLI's SIGHUP) applies at once. When the loader rejects
 * the contents, the previous state stays in force and one ERROR line is logged per distinct bad
 * content, never the content itself. Files are read whole and must not exceed {@code maxBytes} each.
 *
 * <p>Polls run on one shared daemon thread for the whole JVM; {@link #close()} stops this reloader's.
 */
public final class FileReloader implements AutoCloseable {

    /** Receives each new set of file contents; throws to reject it (the old state stays). */
    @FunctionalInterface
    public interface Loader {
        /**
         * @param contents the files' bytes, in the order the files were given
         * @throws Exception with a plain reason (logged once) when the contents are unusable
         */
        void load(List<byte[]> contents) throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(FileReloader.class);
    private static final ScheduledExecutorService POLLER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-file-reload");
        t.setDaemon(true);
        return t;
    });

    private final String what;
    private final List<Path> files;
    private final long maxBytes;
    private final Loader loader;
    private byte[] appliedDigest;
    private byte[] seenDigest;
    private byte[] failedDigest;
    private ScheduledFuture<?> task;
    private volatile long polls;

    /**
     * Reads and loads the files once; a failure here is thrown (nothing to fall back to).
     *
     * @param what what the files are, for log lines (e.g. {@code "tls for source http:8443"})
     * @param files the files, read in this order
     * @param maxBytes the largest size accepted for each file
     * @param loader receives the contents
     * @throws IllegalArgumentException when a file cannot be read or the loader rejects the contents
     */
    public FileReloader(String what, List<Path> files, long maxBytes, Loader loader) {
        this.what = Objects.requireNonNull(what, "what");
        this.files = List.copyOf(files);
        this.maxBytes = maxBytes;
        this.loader = Objects.requireNonNull(loader, "loader");
        List<byte[]> contents;
        try {
            contents = read();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
        try {
            loader.load(contents);
        } catch (Exception e) {
            throw new IllegalArgumentException(what + ": " + reason(e), e);
        }
        appliedDigest = digest(contents);
        seenDigest = appliedDigest;
    }

    /**
     * Starts polling the files.
     *
     * @param interval time between polls (a change is applied after two equal polls)
     * @return this reloader
     */
    public synchronized FileReloader watch(Duration interval) {
        if (task == null && !interval.isZero() && !interval.isNegative()) {
            long ms = Math.max(1, interval.toMillis());
            task = POLLER.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Reads the files now and applies them if they differ from the state in force.
     *
     * @return true when the current files are in force (new or unchanged), false when they were
     *     rejected and the previous state stays (the reason is logged)
     */
    public synchronized boolean reload() {
        return check(true);
    }

    private synchronized void poll() {
        polls++;
        try {
            check(false);
        } catch (RuntimeException e) {
            LOG.error("{}: reload check failed: {}", what, reason(e));
        }
    }

    /** @return how many polls have run (for tests that wait for polls to have happened) */
    long polls() {
        return polls;
    }

    private boolean check(boolean now) {
        List<byte[]> contents;
        try {
            contents = read();
        } catch (IOException e) {
            return rejected(null, e);
        }
        byte[] digest = digest(contents);
        boolean stable = Arrays.equals(digest, seenDigest);
        seenDigest = digest;
        if (Arrays.equals(digest, appliedDigest)) {
            failedDigest = null;
            return true;
        }
        if (!now && (!stable || Arrays.equals(digest, failedDigest))) {
            return false;
        }
        try {
            loader.load(contents);
        } catch (Exception e) {
            return rejected(digest, e);
        }
        appliedDigest = digest;
        failedDigest = null;
        LOG.info("{}: reloaded {}", what, files);
        return true;
    }

    private boolean rejected(byte[] digest, Exception e) {
        if (digest == null || !Arrays.equals(digest, failedDigest)) {
            LOG.error("{}: new files rejected, keeping the previous ones: {}", what, reason(e));
        }
        failedDigest = digest;
        return false;
    }

    private List<byte[]> read() throws IOException {
        List<byte[]> out = new ArrayList<>(files.size());
        for (Path f : files) {
            byte[] bytes;
            try (InputStream in = Files.newInputStream(f)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            } catch (IOException e) {
                throw new IOException("cannot read " + f + ": " + e, e);
            }
            if (bytes.length > maxBytes) {
                throw new IOException(f + " is larger than " + maxBytes + " bytes");
            }
            out.add(bytes);
        }
        return out;
    }

    private static byte[] digest(List<byte[]> contents) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] c : contents) {
                md.update(Integer.toString(c.length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                md.update((byte) 0);
                md.update(c);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Stops polling; the state in force stays. */
    @Override
    public synchronized void close() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }
}
