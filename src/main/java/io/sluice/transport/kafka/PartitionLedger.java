package io.sluice.transport.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one assigned partition that were fetched and not yet committed. The commit point is
 * the offset after the last record of the contiguous acknowledged prefix: a record acknowledged after a
 * gap waits until the gap is acknowledged. Offsets in a partition need not be consecutive numbers
 * (compaction, transaction markers); "contiguous" is the order of fetched records, which is also the
 * order they are emitted in.
 *
 * <p>Acknowledged on emit (the default), a record counts as acknowledged once {@code onNext} returned:
 * the emitter publishes how far it emitted once per run of records ({@link #emitted(int, long)}), and
 * nothing per record is kept. Acknowledged manually, each emitted record gets an {@link Entry}, queued in
 * emit order until the poll thread advances past it; fetched records not yet emitted follow every
 * emitted one, so they never belong to the acknowledged prefix.
 *
 * <p>Only the poll thread counts fetches and advances; only the drainer emits (the emitter thread, or the
 * poll thread after a poll: one at a time, handed over through {@code SourceRun}'s drain counter, which
 * orders their writes); {@link Entry#ack()} may be called from any thread.
 */
final class PartitionLedger {

    /** One emitted record's offset and whether the pipeline acknowledged it ({@code MANUAL} mode). */
    static final class Entry {
        final long offset;
        final PartitionLedger ledger;
        private volatile boolean acked;

        Entry(long offset, PartitionLedger ledger) {
            this.offset = offset;
            this.ledger = ledger;
        }

        /** Marks the record acknowledged; idempotent, from any thread. */
        void ack() {
            acked = true;
        }

        boolean acked() {
            return acked;
        }
    }

    /**
     * The records of this partition that one poll returned, handed to the emitter as one buffer element;
     * {@link #next} is the emitter's position in it.
     */
    static final class Batch {
        final PartitionLedger ledger;
        final List<ConsumerRecord<byte[], byte[]>> records;
        int next;

        Batch(PartitionLedger ledger, List<ConsumerRecord<byte[], byte[]>> records) {
            this.ledger = ledger;
            this.records = records;
        }
    }

    final TopicPartition partition;
    /** Manual mode: emitted records not yet advanced past, in emit order; null when acknowledged on emit. */
    private final Queue<Entry> emittedEntries;
    private long fetched;
    private long advanced;
    private volatile long emitted;
    private volatile long emittedUpTo = -1;
    private long committable = -1;
    private long committed = -1;
    private volatile boolean revoked;

    PartitionLedger(TopicPartition partition, boolean manual) {
        this.partition = partition;
        this.emittedEntries = manual ? new ConcurrentLinkedQueue<>() : null;
    }

    /** Poll thread: a poll returned these records of this partition. */
    Batch fetched(List<ConsumerRecord<byte[], byte[]>> records) {
        fetched += records.size();
        return new Batch(this, records);
    }

    /** Drainer, manual mode, before delivering the record: its entry, queued for acknowledgement. */
    Entry emitting(long offset) {
        Entry e = new Entry(offset, this);
        emittedEntries.offer(e);
        return e;
    }

    /**
     * Drainer: {@code n} more records were delivered ({@code onNext} returned), the last at
     * {@code next - 1}; acknowledged on emit, the commit point may move to {@code next}.
     */
    void emitted(int n, long next) {
        emittedUpTo = next;
        emitted = emitted + n; // single writer
    }

    /** Poll thread: moves the commit point past the acknowledged prefix. */
    void advance() {
        if (emittedEntries == null) {
            long next = emittedUpTo;
            if (next > committable) {
                committable = next;
            }
            return;
        }
        Entry head;
        while ((head = emittedEntries.peek()) != null && head.acked()) {
            emittedEntries.poll();
            committable = head.offset + 1;
            advanced++;
        }
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

    /** Poll thread: @return fetched records neither acknowledged-and-advanced nor dropped */
    int size() {
        return (int) (fetched - (emittedEntries == null ? emitted : advanced));
    }

    /** The partition left this consumer: its records still buffered are dropped, late acks are ignored. */
    void revoke() {
        revoked = true;
        if (emittedEntries != null) {
            emittedEntries.clear();
        }
    }

    boolean revoked() {
        return revoked;
    }
}
