package io.sluice.persist;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads the records of one segment from a start position, fragment by fragment ({@link Format}),
 * holding at most one block and one record in memory.
 *
 * <p>A bad fragment (CRC mismatch, impossible length or type, broken FIRST..LAST chain, undecodable
 * record) opens a <em>bad run</em>: the partial record is dropped and reading resumes at the next
 * block boundary (or, when only the fragment's CRC failed and its type and length are plausible, at
 * the end of that fragment), skipping continuation fragments until a FULL or FIRST one. When a good record
 * follows, the run [start of bad run, start of that record) is reported once through
 * {@link #takeSkip()} (corruption in the middle). A run still open at the read limit is a torn or
 * corrupt tail ({@link #tailIsDirty(long)}); recovery truncates it at {@link #lastGoodEnd()}. Every
 * step moves the position forward, so a scan always ends.
 */
final class SegmentReader {

    /** A skipped corrupt byte range of a segment. */
    record Skip(long from, long to, String reason) {
    }

    private final Fs.FsFile file;
    private final long base;
    private final int blockSize;
    private final ByteBuffer block;
    private long blockStart = -1;
    private long pos;
    private long lastGoodEnd;
    private ByteBuffer assembly;
    private long recordStart = -1;
    private long lastRecordStart = -1;
    private long badStart = -1;
    private String badReason;
    private Skip skip;

    SegmentReader(Fs.FsFile file, long base, int blockSize, long start) {
        this.file = file;
        this.base = base;
        this.blockSize = blockSize;
        this.block = ByteBuffer.allocate(blockSize);
        this.pos = start;
        this.lastGoodEnd = start;
    }

    /** @return where the next fragment will be read */
    long position() {
        return pos;
    }

    /** @return where the record last returned starts */
    long lastRecordStart() {
        return lastRecordStart;
    }

    /** @return the end of the last complete good record (the header end before the first) */
    long lastGoodEnd() {
        return lastGoodEnd;
    }

    /** @return the corrupt range closed by the record last returned, once; null if none */
    Skip takeSkip() {
        Skip s = skip;
        skip = null;
        return s;
    }

    /** @return true when bytes up to {@code limit} after the last good record are not a complete record */
    boolean tailIsDirty(long limit) {
        return badStart >= 0 || assembly != null || lastGoodEnd < limit && pos < limit;
    }

    /** @return the reason of the open bad run, or a description of the incomplete tail */
    String tailReason(long limit) {
        if (badStart >= 0) {
            return badReason;
        }
        return assembly != null ? "record incomplete at end of data" : "fragment incomplete at end of data";
    }

    /**
     * @param limit read no byte at or beyond this position (the file size, or the published end of
     *     an active segment)
     * @return the next complete good record, or null when none is complete before {@code limit}
     */
    RecordCodec.Entry next(long limit) throws IOException {
        while (true) {
            long p = pos;
            int left = blockSize - (int) (p % blockSize);
            if (left <= Format.FRAGMENT_HEADER) {
                if (p + left > limit) {
                    return null;
                }
                pos = p + left;
                continue;
            }
            if (p + Format.FRAGMENT_HEADER > limit || !fill(p, Format.FRAGMENT_HEADER, limit)) {
                return null;
            }
            int at = (int) (p - blockStart);
            int crc = block.getInt(at);
            int len = block.getShort(at + 4) & 0xFFFF;
            byte type = block.get(at + 6);
            if (type < Format.FULL || type > Format.LAST || len == 0 || len > left - Format.FRAGMENT_HEADER) {
                bad(p, "bad fragment header (type " + type + ", length " + len + ")");
                continue;
            }
            if (p + Format.FRAGMENT_HEADER + len > limit || !fill(p, Format.FRAGMENT_HEADER + len, limit)) {
                return null;
            }
            ByteBuffer data = block.duplicate().position(at + Format.FRAGMENT_HEADER).limit(at + Format.FRAGMENT_HEADER + len);
            if (Format.fragmentCrc(base, type, data) != crc) {
                bad(p, "fragment CRC mismatch");
                // type and length are plausible, so the damage is most likely in the data: try the next
                // fragment right after this one (if that is garbage too, the next step jumps to a block boundary)
                pos = p + Format.FRAGMENT_HEADER + len;
                continue;
            }
            boolean continuation = type == Format.MIDDLE || type == Format.LAST;
            if (continuation && assembly == null) {
                if (badStart < 0) {
                    bad(p, "continuation fragment without a FIRST");
                } else {
                    pos = p + Format.FRAGMENT_HEADER + len; // rest of a record lost in the bad run
                }
                continue;
            }
            if (!continuation && assembly != null) {
                bad(recordStart, "record without its LAST fragment");
                badStart = recordStart;
                pos = p; // this fragment is good: read it again as the start of a record
                continue;
            }
            if (!continuation) {
                recordStart = p;
                assembly = ByteBuffer.allocate(type == Format.FULL ? len : Math.max(len * 2, 64));
            }
            assembly = append(assembly, data);
            pos = p + Format.FRAGMENT_HEADER + len;
            if (type == Format.FULL || type == Format.LAST) {
                ByteBuffer rec = assembly.flip();
                assembly = null;
                RecordCodec.Entry e;
                try {
                    e = RecordCodec.decode(rec);
                } catch (IllegalArgumentException ex) {
                    bad(recordStart, "undecodable record: " + ex.getMessage());
                    continue;
                }
                if (badStart >= 0) {
                    skip = new Skip(badStart, recordStart, badReason);
                    badStart = -1;
                }
                lastGoodEnd = pos;
                lastRecordStart = recordStart;
                return e;
            }
        }
    }

    private void bad(long p, String reason) {
        if (badStart < 0) {
            badStart = assembly != null ? recordStart : p;
            badReason = reason + " at byte " + p;
        }
        assembly = null;
        pos = p - p % blockSize + blockSize;
    }

    /** Makes [p, p+n) available in {@code block}; false if the file is shorter. */
    private boolean fill(long p, int n, long limit) throws IOException {
        if (blockStart >= 0 && p >= blockStart && p + n <= blockStart + block.limit()) {
            return true;
        }
        long blockEnd = p - p % blockSize + blockSize;
        int want = (int) (Math.min(blockEnd, limit) - p);
        block.clear().limit(want);
        long at = p;
        while (block.hasRemaining()) {
            int r = file.read(block, at);
            if (r < 0) {
                break;
            }
            at += r;
        }
        // the buffer holds [p, p + read); index it from p by keeping blockStart = p
        block.flip();
        blockStart = p;
        return block.limit() >= n;
    }

    private static ByteBuffer append(ByteBuffer into, ByteBuffer data) {
        if (into.remaining() < data.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(into.capacity() * 2, into.position() + data.remaining()));
            into.flip();
            bigger.put(into);
            into = bigger;
        }
        return into.put(data.duplicate());
    }
}
