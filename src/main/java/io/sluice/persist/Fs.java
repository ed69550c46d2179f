package io.sluice.persist;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The file operations the persistent log uses, on one directory (names, never paths), so that a
 * test implementation can model what the OS keeps at a crash.
 *
 * <h2>Durability model (what the log relies on, and all it relies on)</h2>
 * <ul>
 *   <li>A {@link FsFile#write write} or {@link FsFile#truncate truncate} is durable only after a
 *       later {@link FsFile#force()} on that file returns. Until then, at a crash, any subset of it
 *       may be lost, at sector (512 B) granularity and in any order; bytes in a hole read back as
 *       zeros or garbage.</li>
 *   <li>{@link #create}, {@link #rename} and {@link #delete} (directory entries) are durable only
 *       after a later {@link #syncDir()} returns; before that, any subset may be lost. A rename is
 *       atomic: after a crash the target name holds the old or the new file, never a mix.</li>
 *   <li>A file's data and its directory entry are independent: forcing a new file does not make
 *       its name durable, and a durable name may point at a file whose unforced data is lost.</li>
 * </ul>
 */
interface Fs {

    /** @return the names of the regular files in the directory (no sub-directories) */
    List<String> list() throws IOException;

    /** @return true if {@code name} exists */
    boolean exists(String name) throws IOException;

    /** Creates {@code name} (must not exist) and opens it for reading and writing. */
    FsFile create(String name) throws IOException;

    /** Opens an existing file for reading and writing. */
    FsFile open(String name) throws IOException;

    /** Atomically renames {@code from} to {@code to}, replacing {@code to} if it exists. */
    void rename(String from, String to) throws IOException;

    /** Deletes {@code name}; no error if it does not exist. */
    void delete(String name) throws IOException;

    /** Makes every earlier create, rename and delete in the directory durable (fsync of the directory). */
    void syncDir() throws IOException;

    /**
     * Takes the directory's exclusive lock (one log per directory, across processes).
     *
     * @return the lock, released by closing it
     * @throws IOException if the directory is not writable or another process holds the lock
     */
    Closeable lock() throws IOException;

    /** @return a description of the directory for log lines */
    String describe();

    /** An open file. Reads and writes are positional; a handle may be used from several threads. */
    interface FsFile extends Closeable {

        /** Reads up to {@code dst.remaining()} bytes at {@code position}; returns -1 at end of file. */
        int read(ByteBuffer dst, long position) throws IOException;

        /**
         * Reads from {@code position} until {@code dst} is full or the file ends.
         *
         * @return {@code dst}, flipped: the bytes read, from its start
         */
        default ByteBuffer readFully(ByteBuffer dst, long position) throws IOException {
            long at = position;
            while (dst.hasRemaining()) {
                int r = read(dst, at);
                if (r < 0) {
                    break;
                }
                at += r;
            }
            return dst.flip();
        }

        /** Writes all of {@code src} at {@code position}, extending the file as needed. */
        void write(ByteBuffer src, long position) throws IOException;

        /** Makes every earlier write and truncate of this file durable (fsync; data and size). */
        void force() throws IOException;

        /** @return the current size */
        long size() throws IOException;

        /** Cuts the file to {@code size} bytes. */
        void truncate(long size) throws IOException;

        @Override
        void close() throws IOException;
    }
}
