package io.sluice.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.Ack;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code acks} mode of one TCP source connection: the n-th message read from the connection
 * carries an {@link Ack}; the connection writes back, as an 8-byte big-endian number, how many
 * messages from its start are acknowledged, counting only an unbroken run from the first (a
 * message acknowledged before an earlier one waits for it). Writes are coalesced: one write carries
 * the latest count, made on the connection's event loop.
 *
 * <pre>
 *  client -> server   frames (newline or length-prefixed), as without acks
 *  server -> client   +--------------------------------+
 *                     | count: int64, big-endian       |  repeated; each count >= the one before
 *                     +--------------------------------+
 * </pre>
 *
 * A sender keeps every message it sent after the last count it read; after a reconnect it sends
 * them again (at-least-once: the receiver may see some twice). A refused message (see
 * {@link Ack#refused}) is never counted: the connection is closed after the last count.
 */
final class ConnectionAcks {

    private final Channel channel;
    /** Messages handed out so far; written by the connection's reading thread only. */
    private long assigned;
    /** Guarded by this. */
    private long acknowledged;
    private final Set<Long> ahead = new HashSet<>();
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final AtomicBoolean refusedOnce = new AtomicBoolean();
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAcks.class);

    ConnectionAcks(Channel channel) {
        this.channel = channel;
    }

    /** @return the acknowledgement of the next message read from the connection */
    Ack next() {
        long n = ++assigned;
        return Ack.of(() -> done(n), this::refused);
    }

    /**
     * A message was refused (a persistent stage that is full under {@code drop-newest} or whose disk
     * failed): no count will ever cover it, so the connection is closed after the counts written so
     * far; the sender reconnects and resends what follows the last count.
     */
    private void refused(String reason) {
        if (refusedOnce.compareAndSet(false, true)) {
            LOG.warn("tcp source: message refused ({}); closing {} after count {} so that the sender resends",
                    reason, channel.remoteAddress(), acknowledged());
            channel.eventLoop().execute(() -> {
                write();
                channel.close();
            });
        }
    }

    private void done(long n) {
        synchronized (this) {
            if (n != acknowledged + 1) {
                ahead.add(n);
                return;
            }
            acknowledged = n;
            while (ahead.remove(acknowledged + 1)) {
                acknowledged++;
            }
        }
        if (writeScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(this::write);
        }
    }

    private void write() {
        writeScheduled.set(false);
        long count;
        synchronized (this) {
            count = acknowledged;
        }
        if (channel.isActive()) {
            ByteBuf b = channel.alloc().buffer(8).writeLong(count);
            channel.writeAndFlush(b, channel.voidPromise());
        }
    }

    /** @return the count last acknowledged (for tests and logs) */
    synchronized long acknowledged() {
        return acknowledged;
    }
}
