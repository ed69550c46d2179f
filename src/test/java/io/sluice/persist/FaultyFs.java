package io.sluice.persist;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The real file system ({@link NioFs}) with injected errors: once {@link #failWrites} or
 * {@link #failForces} is set, every segment write or force throws the {@code IOException} a full
 * disk gives ({@code ENOSPC}, "No space left on device"), as the OS reports it to {@code FileChannel}.
 * Records which threads read files ({@link #readThreads}); can hold renames ({@link #holdRenames}).
 */
final class FaultyFs implements Fs {

    static final String ENOSPC = "No space left on device";

    private final NioFs real;
    volatile boolean failWrites;
    volatile boolean failForces;
    /** Names of the threads that read a file (which thread touches the disk). */
    final java.util.Set<String> readThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();

    FaultyFs(Path dir) {
        this.real = new NioFs(dir);
    }

    @Override
    public List<String> list() throws IOException {
        return real.list();
    }

    @Override
    public boolean exists(String name) throws IOException {
        return real.exists(name);
    }

    @Override
    public FsFile create(String name) throws IOException {
        return new Faulty(real.create(name));
    }

    @Override
    public FsFile open(String name) throws IOException {
        return new Faulty(real.open(name));
    }

    @Override
    public void rename(String from, String to) throws IOException {
        java.util.concurrent.CountDownLatch gate = renameGate;
        if (gate != null) {
            renameEntered.countDown();
            try {
                if (!gate.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IOException("rename held for 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        real.rename(from, to);
    }

    /** While set, every rename (a checkpoint's, after its force) waits until {@link #releaseRenames()}. */
    private volatile java.util.concurrent.CountDownLatch renameGate;
    /** Counted down when a rename starts waiting at {@link #renameGate}. */
    final java.util.concurrent.CountDownLatch renameEntered = new java.util.concurrent.CountDownLatch(1);

    void holdRenames() {
        renameGate = new java.util.concurrent.CountDownLatch(1);
    }

    void releaseRenames() {
        java.util.concurrent.CountDownLatch gate = renameGate;
        renameGate = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    @Override
    public void delete(String name) throws IOException {
        real.delete(name);
    }

    @Override
    public void syncDir() throws IOException {
        real.syncDir();
    }

    @Override
    public Closeable lock() throws IOException {
        return real.lock();
    }

    @Override
    public String describe() {
        return real.describe() + " (faulty)";
    }

    private final class Faulty implements FsFile {
        private final FsFile f;

        Faulty(FsFile f) {
            this.f = f;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            readThreads.add(Thread.currentThread().getName());
            return f.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            if (failWrites) {
                throw new IOException(ENOSPC);
            }
            f.write(src, position);
        }

        @Override
        public void force() throws IOException {
            if (failForces) {
                throw new IOException(ENOSPC);
            }
            f.force();
        }

        @Override
        public long size() throws IOException {
            return f.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            f.truncate(size);
        }

        @Override
        public void close() throws IOException {
            f.close();
        }
    }
}
