package io.sluice.persist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Fs} on a real directory with {@link FileChannel}: {@code force(false)} is fsync of the
 * data (size included, as fdatasync does), the directory is fsync'd by opening it for reading and
 * calling {@code force(true)} (supported on Linux and macOS), renames use {@code ATOMIC_MOVE}.
 */
final class NioFs implements Fs {

    private final Path dir;

    NioFs(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isRegularFile(p)) {
                    names.add(p.getFileName().toString());
                }
            }
        }
        return names;
    }

    @Override
    public boolean exists(String name) {
        return Files.exists(dir.resolve(name));
    }

    @Override
    public FsFile create(String name) throws IOException {
        return new NioFile(FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    @Override
    public FsFile open(String name) throws IOException {
        return new NioFile(FileChannel.open(dir.resolve(name), StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    @Override
    public void rename(String from, String to) throws IOException {
        Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
    }

    @Override
    public void syncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    @Override
    public java.io.Closeable lock() throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(SegmentLog.LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        java.nio.channels.FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            ch.close();
            throw new IOException("this process already has " + dir + " open", e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new IOException("another process holds the lock " + dir.resolve(SegmentLog.LOCK));
        }
        return ch::close;
    }

    @Override
    public String describe() {
        return dir.toString();
    }

    /** A file of the real file system: its channel. */
    private record NioFile(FileChannel ch) implements FsFile {

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            long p = position;
            while (src.hasRemaining()) {
                p += ch.write(src, p);
            }
        }

        @Override
        public void force() throws IOException {
            ch.force(false);
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            ch.truncate(size);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
