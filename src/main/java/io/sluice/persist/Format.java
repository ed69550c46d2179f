package io.sluice.persist;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * On-disk layout, version 1. All integers big-endian.
 *
 * <pre>
 * segment file "&lt;base offset, 20 digits&gt;.seg":
 * +-------------------- block 0 (blockSize bytes) ---------------------+-- block 1 --+ ...
 * | segment header (32 B) | fragment | fragment | ... | zero padding &lt;7 B | fragment ...
 * +-------------------------------------------------------------------+
 *
 * segment header (32 B):
 *   0  8  magic "SLUICSEG"
 *   8  2  format version (1)
 *  10  2  flags (0)
 *  12  4  block size
 *  16  8  base offset (first offset this segment may hold; equals the file name)
 *  24  4  reserved (0)
 *  28  4  CRC32C of bytes 0..27
 *
 * fragment (never crosses a block boundary; a block tail of less than 7 bytes is zero padding):
 *   0  4  CRC32C of (segment base offset u64, type, length, data)
 *   4  2  length of data
 *   6  1  type: 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST
 *   7  n  data: a piece of one record (see RecordCodec)
 * </pre>
 *
 * <p><b>Resynchronisation.</b> A fragment header is only parsed at a block boundary, right after a
 * fragment whose CRC matched, or right after a fragment whose type and length were plausible but
 * whose CRC failed (damage in its data: only that record is lost). It is never found by scanning
 * bytes for a marker, so a payload that contains encoded records is not mistaken for them (the one
 * exception needs a damaged length pointing exactly at a byte-exact fragment of this very segment,
 * CRC included, inside a payload). A fragment whose header is implausible sends the reader to the
 * next block boundary, where it skips MIDDLE/LAST fragments until a FULL or FIRST one: a damaged
 * header costs at most the records overlapping one block. The segment base offset is part of every
 * fragment's CRC, so stale bytes of another segment (a recycled disk block after a crash) never verify.
 */
final class Format {

    static final int VERSION = 1;
    static final byte[] SEGMENT_MAGIC = "SLUICSEG".getBytes(StandardCharsets.US_ASCII);
    static final int SEGMENT_HEADER = 32;
    static final int FRAGMENT_HEADER = 7;
    static final int DEFAULT_BLOCK = 32 * 1024;
    static final int MAX_BLOCK = 65535 + FRAGMENT_HEADER;
    static final byte FULL = 1;
    static final byte FIRST = 2;
    static final byte MIDDLE = 3;
    static final byte LAST = 4;
    static final String SEGMENT_SUFFIX = ".seg";

    private Format() {
    }

    static String segmentName(long base) {
        return String.format("%020d%s", base, SEGMENT_SUFFIX);
    }

    /** @return the base offset named by a segment file name, or -1 if the name is not a segment's */
    static long segmentBase(String name) {
        if (name.length() != 20 + SEGMENT_SUFFIX.length() || !name.endsWith(SEGMENT_SUFFIX)) {
            return -1;
        }
        for (int i = 0; i < 20; i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static ByteBuffer segmentHeader(int blockSize, long base) {
        ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER);
        b.put(SEGMENT_MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(blockSize).putLong(base).putInt(0);
        b.putInt(crc(b.array(), 0, 28));
        return b.flip();
    }

    /** Decoded segment header; {@code problem} is null when it is valid. */
    record Header(int version, int blockSize, long base, String problem) {
    }

    static Header parseHeader(ByteBuffer b, long expectedBase) {
        if (b.remaining() < SEGMENT_HEADER) {
            return new Header(0, 0, 0, "header is " + b.remaining() + " bytes, expected " + SEGMENT_HEADER);
        }
        byte[] h = new byte[SEGMENT_HEADER];
        b.get(h);
        ByteBuffer v = ByteBuffer.wrap(h);
        for (int i = 0; i < SEGMENT_MAGIC.length; i++) {
            if (h[i] != SEGMENT_MAGIC[i]) {
                return new Header(0, 0, 0, "bad magic");
            }
        }
        int version = v.getShort(8) & 0xFFFF;
        int blockSize = v.getInt(12);
        long base = v.getLong(16);
        if (version > VERSION) {
            // Checked before the CRC: a newer version may lay its header out differently.
            return new Header(version, blockSize, base, "format version " + version + " is newer than " + VERSION);
        }
        if (crc(h, 0, 28) != v.getInt(28)) {
            return new Header(version, blockSize, base, "header CRC mismatch");
        }
        if (blockSize < 64 || blockSize > MAX_BLOCK) {
            return new Header(version, blockSize, base, "invalid block size " + blockSize);
        }
        if (base != expectedBase) {
            return new Header(version, blockSize, base, "base offset " + base + " does not match the file name");
        }
        return new Header(version, blockSize, base, null);
    }

    static int crc(byte[] a, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    /** CRC of a fragment: base offset, type, length, data. */
    static int fragmentCrc(long base, byte type, ByteBuffer data) {
        return fragmentCrc(new CRC32C(), ByteBuffer.allocate(11), base, type, data);
    }

    /**
     * {@link #fragmentCrc(long, byte, ByteBuffer)} with a checksum and an 11-byte prefix buffer of the
     * caller's, reused from one record to the next (their content is replaced).
     */
    static int fragmentCrc(CRC32C c, ByteBuffer prefix, long base, byte type, ByteBuffer data) {
        c.reset();
        c.update(prefix.clear().putLong(base).put(type).putShort((short) data.remaining()).flip());
        int at = data.position();
        c.update(data);
        data.position(at); // the data is left as it was
        return (int) c.getValue();
    }
}
