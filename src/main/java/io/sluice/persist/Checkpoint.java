package io.sluice.persist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The acknowledged position: every record with an offset below {@code ackNext} is acknowledged.
 *
 * <pre>
 * file "checkpoint" (28 B): 0 magic "SLCK" | 4 version u32 | 8 ackNext u64 | 16 base u64 of the
 *                           segment holding ackNext | 24 CRC32C of bytes 0..23
 * </pre>
 *
 * <p><b>Atomic write</b> ({@link #write}), against the {@link Fs} durability model:
 * <ol>
 *   <li>write the new content to {@code checkpoint.tmp} and {@code force} it: the bytes are durable
 *       before any name points at them. Without this force the rename below could become durable
 *       first and leave {@code checkpoint} naming a zero-length or torn file.</li>
 *   <li>{@code rename(checkpoint.tmp, checkpoint)}: atomic, so after a crash {@code checkpoint} is
 *       the old complete file or the new complete file.</li>
 *   <li>{@code syncDir}: the rename is durable before the caller deletes any segment. Directory
 *       operations not yet fsync'd may persist in any order, so without it a segment delete could
 *       survive a crash while the rename does not: the old checkpoint would then name deleted data
 *       (Vector #25570). Recovery still copes with that state, but this order never produces it.</li>
 * </ol>
 * A leftover {@code checkpoint.tmp} (crash between 1 and 2) is never read and is removed at start.
 */
final class Checkpoint {

    static final String NAME = "checkpoint";
    static final String TMP = "checkpoint.tmp";
    static final int SIZE = 28;
    private static final byte[] MAGIC = "SLCK".getBytes(StandardCharsets.US_ASCII);

    private Checkpoint() {
    }

    /** Result of reading the checkpoint: {@code problem} null when valid, {@code missing} when absent. */
    record State(long ackNext, long segmentBase, boolean missing, boolean newerVersion, String problem) {
    }

    static void write(Fs fs, long ackNext, long segmentBase) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(MAGIC).putInt(Format.VERSION).putLong(ackNext).putLong(segmentBase);
        b.putInt(Format.crc(b.array(), 0, 24));
        b.flip();
        fs.delete(TMP);
        try (Fs.FsFile f = fs.create(TMP)) {
            f.write(b, 0);
            f.force();
        }
        fs.rename(TMP, NAME);
        fs.syncDir();
    }

    static State read(Fs fs) throws IOException {
        if (!fs.exists(NAME)) {
            return new State(0, 0, true, false, null);
        }
        ByteBuffer b;
        try (Fs.FsFile f = fs.open(NAME)) {
            b = f.readFully(ByteBuffer.allocate(SIZE + 1), 0);
        }
        if (b.remaining() != SIZE) {
            return new State(0, 0, false, false, "checkpoint is " + b.remaining() + " bytes, expected " + SIZE);
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return new State(0, 0, false, false, "checkpoint has a bad magic");
            }
        }
        int version = b.getInt(4);
        if (version > Format.VERSION || version < 0) {
            return new State(0, 0, false, true, "checkpoint has format version " + Integer.toUnsignedString(version)
                    + ", this Sluice reads up to " + Format.VERSION);
        }
        if (Format.crc(b.array(), 0, 24) != b.getInt(24)) {
            return new State(0, 0, false, false, "checkpoint CRC mismatch");
        }
        long ackNext = b.getLong(8);
        if (ackNext < 0) {
            return new State(0, 0, false, false, "checkpoint holds a negative offset");
        }
        return new State(ackNext, b.getLong(16), false, false, null);
    }
}
