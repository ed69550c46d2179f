package io.sluice.transport.kafka;

import io.sluice.Message;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition that were fetched and not yet committed, in fetch order, each
 * with its acknowledged flag. The commit point is the offset after the last record of the contiguous
 * acknowledged prefix: a record acknowledged after a gap waits until the gap is acknowledged. Offsets in
 * a partition need not be consecutive numbers (compaction, transaction markers); "contiguous" is the
 * order of fetched records.
 *
 * <p>Only the poll thread adds and advances; {@link Entry#ack()} may be called from any thread.
 */
final class PartitionLedger {

    /**
     * One fetched record's offset, whether the pipeline acknowledged it, and (until the emitter takes it)
     * the record as a message: one object per record serves as buffer element and ledger entry.
     */
    static final class Entry {
        final long offset;
        final PartitionLedger ledger;
        private Message message;
        private volatile boolean acked;

        Entry(long offset, PartitionLedger ledger, Message message) {
            this.offset = offset;
            this.ledger = ledger;
            this.message = message;
        }

        /** Emitter thread: the message, released from the entry (which may stay in the ledger a while). */
        Message take() {
            Message m = message;
            message = null;
            return m;
        }

        /** Marks the record acknowledged; idempotent, from any thread. */
        void ack() {
            acked = true;
        }

        boolean acked() {
            return acked;
        }
    }

    final TopicPartition partition;
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private long committable = -1;
    private long committed = -1;
    private volatile boolean revoked;

    PartitionLedger(TopicPartition partition) {
        this.partition = partition;
    }

    /** Poll thread: a record was fetched. */
    Entry fetched(long offset, Message message) {
        Entry e = new Entry(offset, this, message);
        pending.addLast(e);
        return e;
    }

    /**
     * Poll thread: drops the acknowledged prefix, moving the commit point past it.
     *
     * @return how many entries were dropped
     */
    int advance() {
        int n = 0;
        Entry head;
        while ((head = pending.peekFirst()) != null && head.acked()) {
            pending.pollFirst();
            committable = head.offset + 1;
            n++;
        }
        return n;
    }

    /**
     * Poll thread: advances every ledger and marks what moved as committed (a failed commit is logged and
     * retried by the next one).
     *
     * @return the offsets to commit, per partition, for the ledgers whose commit point moved
     */
    static Map<TopicPartition, OffsetAndMetadata> offsets(Collection<PartitionLedger> ledgers) {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        for (PartitionLedger l : ledgers) {
            l.advance();
            long o = l.toCommit();
            if (o >= 0) {
                m.put(l.partition, new OffsetAndMetadata(o));
                l.committed(o);
            }
        }
        return m;
    }

    /** @return the offset to commit if it moved since the last commit, else -1 */
    long toCommit() {
        return committable > committed ? committable : -1;
    }

    /** Poll thread: the commit of {@code offset} was sent (and is assumed to succeed; a failure is logged). */
    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** @return fetched records neither acknowledged-and-advanced nor dropped */
    int size() {
        return pending.size();
    }

    /** The partition left this consumer: its records still buffered are dropped, late acks are ignored. */
    void revoke() {
        revoked = true;
        pending.clear();
    }

    boolean revoked() {
        return revoked;
    }
}
