package io.sluice.transport.resp;

import io.sluice.overflow.PriorityBuffer;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The {@code priority-queue} sink's snapshot file: the backlog's items with their priorities, in
 * delivery order, so that loading them in that order restores the same order.
 *
 * <pre>
 *  +--------+---------+-------+------------------------------------+--------+
 *  | "SLPQ" | version | count | count x (priority, length, item)   | CRC32C |
 *  | 4 B    | int32=1 | int32 | int64,   int32,   length B UTF-8   | int32  |
 *  +--------+---------+-------+------------------------------------+--------+
 *  big-endian; the CRC32C covers every byte before it
 * </pre>
 *
 * Writing is atomic: the file is written as {@code <name>.tmp} in the same directory, forced to
 * disk, then renamed over the old snapshot (and the directory forced), so a crash leaves either the
 * old or the new snapshot, never a torn one. Reading checks magic, version, every length against
 * the file size, and the CRC; any mismatch is a {@link CorruptSnapshotException} naming the file and
 * the problem.
 */
final class Snapshots {

    private static final byte[] MAGIC = {'S', 'L', 'P', 'Q'};
    private static final int VERSION = 1;
    private static final int HEADER = 12;

    private Snapshots() {
    }

    /** A snapshot file that cannot be trusted. */
    static final class CorruptSnapshotException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptSnapshotException(Path file, String problem) {
            super("snapshot " + file + " is corrupt: " + problem);
        }
    }

    /**
     * @param file the snapshot
     * @param items the backlog in delivery order
     * @throws IOException if writing fails (the previous snapshot is then intact)
     */
    static void write(Path file, List<PriorityBuffer.Held<String>> items) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = java.nio.channels.Channels.newOutputStream(ch);
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16),
                    crc));
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(items.size());
            for (PriorityBuffer.Held<String> h : items) {
                byte[] item = h.element().getBytes(StandardCharsets.UTF_8);
                out.writeLong(h.priority());
                out.writeInt(item.length);
                out.write(item);
            }
            out.flush();
            ByteBuffer tail = ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip();
            while (tail.hasRemaining()) {
                ch.write(tail);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException directoryNotSyncable) {
            // some file systems cannot open a directory; the rename itself is atomic
        }
    }

    /**
     * @param file the snapshot
     * @return its items in delivery order; empty when the file does not exist
     * @throws CorruptSnapshotException when the file is not a whole, valid snapshot
     * @throws IOException when it cannot be read
     */
    static List<PriorityBuffer.Held<String>> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER + 4) {
            throw new CorruptSnapshotException(file, "too short (" + bytes.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptSnapshotException(file, "not a Sluice priority-queue snapshot (bad magic)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptSnapshotException(file, String.format("CRC32C mismatch (stored %08x, computed %08x)",
                    stored, (int) crc.getValue()));
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new CorruptSnapshotException(file, "unknown version " + version);
        }
        int count = b.getInt();
        int end = bytes.length - 4;
        if (count < 0 || count > (end - HEADER) / 12) {
            throw new CorruptSnapshotException(file, "impossible item count " + count);
        }
        List<PriorityBuffer.Held<String>> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (end - b.position() < 12) {
                throw new CorruptSnapshotException(file, "item " + i + " is truncated");
            }
            long priority = b.getLong();
            int length = b.getInt();
            if (length < 0 || length > end - b.position()) {
                throw new CorruptSnapshotException(file, "item " + i + " has an impossible length " + length);
            }
            String item = new String(bytes, b.position(), length, StandardCharsets.UTF_8);
            b.position(b.position() + length);
            items.add(new PriorityBuffer.Held<>(item, priority, item));
        }
        if (b.position() != end) {
            throw new CorruptSnapshotException(file, (end - b.position()) + " bytes after the last item");
        }
        return items;
    }
}
