package io.sluice.transport.file;

import io.sluice.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The write buffers of a {@link BufferedFileWriter}: {@link #BUFFERS} direct buffers, the one being
 * filled ({@code current}), the full ones handed off for writing, the free ones. Records are encoded
 * straight into them ({@link FileSink.Format}); a record larger than a buffer is copied through
 * several. Not thread-safe: the writer guards it with its monitor (only {@link #write} runs outside).
 */
final class RecordBuffers {

    /** Buffers per writer: one being filled while others are written. */
    static final int BUFFERS = 4;

    private final FileSink.Format format;
    private final int ackBatch;
    private final LongSupplier clock;
    private final ArrayDeque<Batch> free = new ArrayDeque<>(BUFFERS);
    private final ArrayDeque<Batch> full = new ArrayDeque<>(BUFFERS);
    private Batch current;
    /** Clock time at which the oldest data in {@code current} was buffered; -1 when it is empty. */
    private long bufferedSinceNanos = -1;
    /** Data entered an empty buffer since the last {@link #started()}. */
    private boolean started;

    /**
     * @param ackBatch a buffer holding this many messages that await acknowledgement is handed off
     * @param clock nanoseconds, of the clock that times flushes
     */
    RecordBuffers(FileSink.Format format, int bufferSize, int ackBatch, LongSupplier clock) {
        this.format = format;
        this.ackBatch = ackBatch;
        this.clock = clock;
        for (int i = 0; i < BUFFERS; i++) {
            // direct: FileChannel copies a heap buffer into a temporary direct one on every write
            free.add(new Batch(bufferSize));
        }
    }

    /**
     * Copies {@code m}'s record from byte {@code from} on, handing off each buffer it fills.
     *
     * @return -1 when the whole record is copied, else how far it got (no free buffer left)
     */
    int copy(Message m, int from) {
        byte[] p = m.payload();
        int head = format == FileSink.Format.LENGTH_PREFIXED ? 4 : 0;
        int length = head + p.length + (format == FileSink.Format.NEWLINE ? 1 : 0);
        int at = from;
        if (length == 0 && current == null) { // an empty record still needs a buffer to carry its acknowledgement
            current = free.poll();
            if (current == null) {
                return 0;
            }
        }
        while (at < length) {
            if (current == null) {
                current = free.poll();
                if (current == null) {
                    return at;
                }
            }
            ByteBuffer b = current.buffer;
            if (at == 0 && b.remaining() >= length) { // the usual case: the whole record fits
                if (head > 0) {
                    b.putInt(p.length);
                }
                b.put(p);
                if (head + p.length < length) {
                    b.put((byte) '\n');
                }
                at = length;
            } else if (at < head) {
                b.put((byte) (p.length >>> (24 - 8 * at)));
                at++;
            } else if (at < head + p.length) {
                int n = Math.min(b.remaining(), head + p.length - at);
                b.put(p, at - head, n);
                at += n;
            } else {
                b.put((byte) '\n');
                at++;
            }
            buffered();
            if (!b.hasRemaining()) {
                handOff();
            }
        }
        if (m.awaitsAck()) {
            // the record ended in the last buffer touched: acknowledged once that one is written
            Batch last = current != null ? current : full.peekLast();
            last.acks.add(m);
            if (last == current) {
                buffered();
                // acknowledgements bound what a persistent stage delivers: do not sit on many
                if (current.acks.size() >= ackBatch) {
                    handOff();
                }
            }
        }
        return -1;
    }

    private void buffered() {
        if (bufferedSinceNanos < 0) {
            bufferedSinceNanos = clock.getAsLong();
            started = true;
        }
    }

    /** @return true once after data entered an empty buffer (the flush timer may need arming) */
    boolean started() {
        boolean s = started;
        started = false;
        return s;
    }

    /** @return when the oldest data of the buffer being filled was buffered, or -1 when there is none */
    long bufferedSinceNanos() {
        return bufferedSinceNanos;
    }

    /** Hands the buffer being filled off for writing, if it holds anything (bytes or acknowledgements). */
    void handOffCurrent() {
        if (current != null && (current.buffer.position() > 0 || !current.acks.isEmpty())) {
            handOff();
        }
    }

    private void handOff() {
        full.add(current);
        current = null;
        bufferedSinceNanos = -1;
    }

    boolean hasFull() {
        return !full.isEmpty();
    }

    /** @return every buffer handed off so far, in order, for {@link #write} */
    Batch[] takeFull() {
        Batch[] b = full.toArray(new Batch[0]);
        full.clear();
        return b;
    }

    /** Gives written buffers back. */
    void recycle(Batch[] batch) {
        free.addAll(Arrays.asList(batch));
    }

    /**
     * Writes the buffers with one gathering write (more if the OS takes less), then acknowledges the
     * messages whose records ended in them and clears them for {@link #recycle}.
     *
     * @throws IOException if writing fails (nothing is acknowledged)
     */
    static void write(FileChannel channel, Batch[] batch) throws IOException {
        ByteBuffer[] bufs = new ByteBuffer[batch.length];
        long left = 0;
        for (int i = 0; i < batch.length; i++) {
            bufs[i] = batch[i].buffer.flip();
            left += bufs[i].remaining();
        }
        while (left > 0) {
            left -= channel.write(bufs);
        }
        for (Batch b : batch) {
            b.buffer.clear();
            if (!b.acks.isEmpty()) {
                b.acks.forEach(Message::ack);
                b.acks.clear();
            }
        }
    }

    /** A direct buffer and the messages whose records end in it that await acknowledgement. */
    static final class Batch {
        final ByteBuffer buffer;
        final ArrayList<Message> acks = new ArrayList<>();

        Batch(int size) {
            this.buffer = ByteBuffer.allocateDirect(size);
        }
    }
}
