package io.sluice.transport.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PartitionLedger}s of one consumer's assigned partitions, their commits (every commit
 * interval, on revocation, on stop) and the rebalance callbacks that keep them. Poll thread only.
 */
final class Ledgers implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(Ledgers.class);

    private final KafkaSource source;
    private final KafkaBuilder config;
    private final boolean manual;
    private final BooleanSupplier paused;
    private final Map<TopicPartition, PartitionLedger> ledgers = new HashMap<>();
    private Consumer<byte[], byte[]> consumer;
    private long nextCommit;

    /**
     * @param paused whether the consumer is paused now (newly assigned partitions are paused too)
     */
    Ledgers(KafkaSource source, KafkaBuilder config, BooleanSupplier paused) {
        this.source = source;
        this.config = config;
        this.manual = config.ackMode == KafkaBuilder.AckMode.MANUAL;
        this.paused = paused;
    }

    /** The consumer joined: commits start counting their interval from now. */
    void consumer(Consumer<byte[], byte[]> c) {
        this.consumer = c;
        nextCommit = System.nanoTime() + config.commitInterval.toNanos();
    }

    /** @return the ledger of an assigned partition, or null */
    PartitionLedger get(TopicPartition tp) {
        return ledgers.get(tp);
    }

    /** Advances every ledger. @return the records in flight: fetched and not acknowledged-and-advanced */
    int advance() {
        int tracked = 0;
        for (PartitionLedger l : ledgers.values()) {
            l.advance();
            tracked += l.size();
        }
        return tracked;
    }

    /** Commits (asynchronously) what moved, if the commit interval is over. */
    void commitIfDue() {
        if (System.nanoTime() < nextCommit) {
            return;
        }
        nextCommit = System.nanoTime() + config.commitInterval.toNanos();
        Map<TopicPartition, OffsetAndMetadata> offsets = PartitionLedger.offsets(ledgers.values());
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (done, e) -> {
                if (e != null) {
                    LOG.warn("kafka source '{}': commit failed (retried with the next one): {}", config.name, e.toString());
                }
            });
        }
    }

    /** Stopping: commits what every ledger acknowledged, synchronously. */
    void commitAll() {
        commitSync(ledgers.values(), "stop");
    }

    private void commitSync(Collection<PartitionLedger> ls, String why) {
        Map<TopicPartition, OffsetAndMetadata> offsets = PartitionLedger.offsets(ls);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                consumer.commitSync(offsets, config.closeTimeout);
                LOG.debug("kafka source '{}': committed {} ({})", config.name, offsets, why);
                return;
            } catch (WakeupException w) {
                // a cancel's wakeup landed here: commit once more
            } catch (RuntimeException e) {
                LOG.warn("kafka source '{}': commit {} failed ({}): {}", config.name, offsets, why, e.toString());
                return;
            }
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            ledgers.put(tp, new PartitionLedger(tp, manual));
        }
        source.assigned(ledgers.size());
        if (paused.getAsBoolean() && !partitions.isEmpty()) {
            consumer.pause(partitions);
        }
        LOG.debug("kafka source '{}': assigned {}", config.name, partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        Collection<PartitionLedger> gone = partitions.stream().map(ledgers::get).filter(l -> l != null).toList();
        commitSync(gone, "revoked");
        drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        drop(partitions);
    }

    private void drop(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            source.revoked();
        }
        for (TopicPartition tp : partitions) {
            PartitionLedger l = ledgers.remove(tp);
            if (l != null) {
                l.revoke();
            }
        }
        source.assigned(ledgers.size());
        LOG.debug("kafka source '{}': revoked {}", config.name, partitions);
    }
}
