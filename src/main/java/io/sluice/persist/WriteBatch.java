package io.sluice.persist;

import io.sluice.Message;
import java.io.IOException;
import java.nio.ByteBuffer;

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
