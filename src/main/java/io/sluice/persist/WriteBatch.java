package io.sluice.persist;

import io.sluice.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The write batch of a {@link SegmentLog}: records are encoded into a reused buffer, framed (with
 * their fragment CRCs) into one direct buffer of {@value #BYTES} bytes, and reach the active
 * segment's file with one positional write per batch ({@link #writeTo}), not one per record. A
 * record larger than the batch is written on its own ({@link Segment#append}). Not thread-safe:
 * guarded by the log's lock.
 */
final class WriteBatch {

    /** Size of the batch: records larger than this are written on their own. */
    static final int BYTES = 256 << 10;
    /** Largest encoding buffer kept for reuse; larger records get a buffer of their own. */
    private static final int SCRATCH_MAX = 1 << 20;

    /** Framed records not yet written (direct: a heap buffer would be copied into a temporary one per write). */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BYTES);
    /** Reused to encode a record before it is framed (consumed within the append). */
    private ByteBuffer scratch = ByteBuffer.allocate(4096);

    /** The batch's bytes for the CRC of a record framed in place (positioned per record). */
    private final ByteBuffer crcView = buffer.duplicate();
    /** CRC prefix of a fragment: segment base, type, length. */
    private final ByteBuffer crcPrefix = ByteBuffer.allocate(11);
    private final CRC32C crc = new CRC32C();

    /** Offset of the last record written to the file (readable there), -1 if none. */
    private volatile long writtenOffset;

    /** @param writtenOffset the last record on disk when the log opened, -1 if none */
    WriteBatch(long writtenOffset) {
        this.writtenOffset = writtenOffset;
    }

    /** @return the offset of the last record written to the file (lock-free), -1 if none */
    long writtenOffset() {
        return writtenOffset;
    }

    /**
     * @return the record encoded, in a buffer valid until the next call
     * @throws IllegalArgumentException when it exceeds {@code maxRecordBytes} (counted in {@code stats})
     */
    ByteBuffer encode(long offset, long appendTime, Message m, int maxRecordBytes, LogStats stats) {
        ByteBuffer rec = RecordCodec.encode(offset, appendTime, m, scratch);
        if (rec != scratch && rec.capacity() <= SCRATCH_MAX) {
            scratch = rec; // grown
        }
        if (rec.remaining() > maxRecordBytes) {
            stats.rejectedTooLarge.incrementAndGet();
            throw new IllegalArgumentException("record of " + rec.remaining() + " bytes exceeds maxRecordBytes " + maxRecordBytes);
        }
        return rec;
    }

    /**
     * @return the size of {@code m}'s record when it can be {@linkplain #frameInPlace framed in place}
     *     (no key, no headers), else -1
     */
    static int plainRecordSize(Message m) {
        return m.headers().isEmpty() && m.key().isEmpty() ? RecordCodec.FIXED + m.size() : -1;
    }

    /**
     * Frames a message without key and headers ({@link #plainRecordSize}): in place when its record
     * fits whole in the active block, else encoded first and framed as {@link #add} does.
     *
     * @return bytes framed or written
     */
    int addPlain(Segment active, long offset, long appendTime, Message m, int recordSize, int framedSize) throws IOException {
        int whole = Format.FRAGMENT_HEADER + recordSize;
        if (active.framedSize(active.framed, recordSize) == whole && fits(whole)) {
            return frameInPlace(active, offset, appendTime, m, recordSize);
        }
        ByteBuffer rec = RecordCodec.encode(offset, appendTime, m, scratch);
        if (rec != scratch && rec.capacity() <= SCRATCH_MAX) {
            scratch = rec; // grown
        }
        return add(active, offset, appendTime, rec, framedSize);
    }

    /**
     * Encodes a message without key and headers straight into the batch as one FULL fragment (no
     * intermediate copy): the record of {@link RecordCodec#writePlain} behind the fragment header
     * {@link Segment#frame} would write for it. The caller checked that the fragment fits the batch and the rest of the active block
     * ({@code framedSize == FRAGMENT_HEADER + recordSize}).
     *
     * @return bytes framed
     */
    int frameInPlace(Segment active, long offset, long appendTime, Message m, int recordSize) {
        int start = buffer.position();
        int data = start + Format.FRAGMENT_HEADER;
        RecordCodec.writePlain(buffer.position(data), offset, appendTime, m);
        int sum = Format.fragmentCrc(this.crc, crcPrefix, active.base, Format.FULL,
                crcView.limit(data + recordSize).position(data));
        buffer.putInt(start, sum).putShort(start + 4, (short) recordSize).put(start + 6, Format.FULL);
        int n = Format.FRAGMENT_HEADER + recordSize;
        active.framedInPlace(offset, appendTime, n);
        return n;
    }

    /** @return true when {@code framedSize} more bytes fit in the batch now (never for a record larger than the batch) */
    boolean fits(int framedSize) {
        return buffer.remaining() >= framedSize;
    }

    /**
     * Frames an encoded record into the batch, as if written at the active segment's framed end; a
     * record larger than the batch is written on its own at once (the caller wrote the batch first:
     * it did not {@link #fits fit}).
     *
     * @param framedSize what {@link Segment#framedSize} says the record takes
     * @return bytes framed or written
     */
    int add(Segment active, long offset, long appendTime, ByteBuffer rec, int framedSize) throws IOException {
        if (framedSize > BYTES) {
            int n = active.append(offset, appendTime, rec);
            writtenOffset = offset;
            return n;
        }
        return active.frame(buffer, offset, appendTime, rec);
    }

    /**
     * Writes what the batch holds to {@code active}'s file with one write (nothing if empty), empties
     * it, and publishes {@code upTo} as written.
     */
    void write(Segment active, long upTo) throws IOException {
        if (active.hasUnwritten()) {
            active.write(buffer);
        }
        writtenOffset = upTo;
    }
}
