package io.sluice.persist;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One segment file and what the log knows about it: base offset, block size, the end of its valid
 * data (published after every complete append, so readers never see half a record), record count
 * and first/last offsets. Mutated only under the log's lock; {@link #end} is read by cursors.
 */
final class Segment {

    final long base;
    final int blockSize;
    final String name;
    private Fs.FsFile file;
    /** End of the valid data written to the file; readers read below it only. */
    volatile long end;
    /** End of the framed data: {@link #end} plus records framed into a batch not yet written; guarded by the log. */
    long framed;
    /** Offsets in this segment; -1 while empty. */
    long firstOffset = -1;
    long lastOffset = -1;
    long records;
    /** Bytes on disk (the file size as the log last set it). */
    long bytes;
    /** Append time of the first record (oldest-unacknowledged age), 0 while empty. */
    long firstAppendTime;
    /** No more appends: rolled, or recovered from a previous run. */
    volatile boolean sealed;
    /** Whether the file (its header at least) has been forced since it was created; guarded by the log. */
    boolean forced;
    /** Start positions of corrupt ranges recovery already reported (readers do not count them again). */
    final java.util.Set<Long> knownBad = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Records at or after the acknowledged position when the log opened (recovered backlog). */
    long unackedAtOpen;

    Segment(long base, int blockSize, Fs.FsFile file, long end) {
        this.base = base;
        this.blockSize = blockSize;
        this.name = Format.segmentName(base);
        this.file = file;
        this.end = end;
        this.framed = end;
        this.bytes = end;
    }

    /**
     * Creates the file and writes its header. Nothing is durable yet: the caller forces the file and
     * then fsyncs the directory before it reports any record of this segment durable.
     */
    static Segment create(Fs fs, long base, int blockSize) throws IOException {
        Fs.FsFile f = fs.create(Format.segmentName(base));
        f.write(Format.segmentHeader(blockSize, base), 0);
        return new Segment(base, blockSize, f, Format.SEGMENT_HEADER);
    }

    Fs.FsFile file() {
        return file;
    }

    /**
     * Appends one encoded record as fragments at the end of the framed data with one write, then
     * publishes the new end. Nothing may be waiting in a batch ({@link #frame}) when this is called.
     *
     * @return bytes written (fragments and padding)
     */
    int append(long offset, long appendTime, ByteBuffer record) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(framedSize(framed, record.remaining()));
        int n = frame(out, offset, appendTime, record);
        write(out);
        return n;
    }

    /**
     * Frames one encoded record into {@code out} (which must have {@link #framedSize} bytes of room)
     * as if written at the end of the framed data; readers do not see it until {@link #write}.
     *
     * @return bytes framed (fragments and padding)
     */
    int frame(ByteBuffer out, long offset, long appendTime, ByteBuffer record) {
        long start = framed;
        long p = start;
        boolean first = true;
        while (true) {
            int left = blockSize - (int) (p % blockSize);
            if (left <= Format.FRAGMENT_HEADER) {
                for (int i = 0; i < left; i++) {
                    out.put((byte) 0);
                }
                p += left;
                continue;
            }
            int n = Math.min(record.remaining(), left - Format.FRAGMENT_HEADER);
            boolean last = n == record.remaining();
            byte type = first ? (last ? Format.FULL : Format.FIRST) : (last ? Format.LAST : Format.MIDDLE);
            ByteBuffer data = record.slice().limit(n);
            out.putInt(Format.fragmentCrc(base, type, data)).putShort((short) n).put(type).put(data);
            record.position(record.position() + n);
            p += Format.FRAGMENT_HEADER + n;
            first = false;
            if (last) {
                break;
            }
        }
        noteRecord(offset, appendTime);
        bytes = p;
        framed = p;
        return (int) (p - start);
    }

    /** Counts one record of {@code n} bytes framed at the framed end by {@link WriteBatch#frameInPlace}. */
    void framedInPlace(long offset, long appendTime, int n) {
        noteRecord(offset, appendTime);
        framed += n;
        bytes = framed;
    }

    /**
     * Writes the framed bytes in {@code out} (from its start to its position: everything framed since
     * the last write) at the published end with one positional write, then publishes the new end.
     */
    void write(ByteBuffer out) throws IOException {
        out.flip();
        if (out.hasRemaining()) {
            file.write(out, end);
        }
        out.clear();
        end = framed;
    }

    /** @return true when framed records wait for {@link #write} */
    boolean hasUnwritten() {
        return framed != end;
    }

    /** Sets the end of the valid data (recovery, rewrites); nothing framed may be waiting. */
    void setEnd(long position) {
        end = position;
        framed = position;
    }

    void noteRecord(long offset, long appendTime) {
        if (firstOffset < 0) {
            firstOffset = offset;
            firstAppendTime = appendTime;
        }
        lastOffset = offset;
        records++;
    }

    /** @return bytes that appending a record of {@code len} bytes at {@code start} writes */
    int framedSize(long start, int len) {
        long p = start;
        int remaining = len;
        while (true) {
            int left = blockSize - (int) (p % blockSize);
            if (left <= Format.FRAGMENT_HEADER) {
                p += left;
                continue;
            }
            int n = Math.min(remaining, left - Format.FRAGMENT_HEADER);
            remaining -= n;
            p += Format.FRAGMENT_HEADER + n;
            if (remaining == 0) {
                return (int) (p - start);
            }
        }
    }

    void close() {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException ignored) {
            // closing a file we only read or already forced loses nothing
        }
        file = null;
    }
}
