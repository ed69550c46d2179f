package io.sluice.transport.kafka;

import io.sluice.Message;
import io.sluice.pipeline.Source;
import io.sluice.transport.TransportMetrics;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import reactor.core.publisher.Flux;

/**
 * Kafka consumer-group source. Each subscription to {@link #flux()} checks the cluster and the topics
 * (within the configured {@link KafkaBuilder#timeout timeout}, with a clear error otherwise), then joins
 * the group as one member: its consumer polls on its own thread ({@code sluice-kafka-poll-<name>}) and
 * records are delivered in each partition's order, as downstream requests them: on the poll thread right
 * after the poll that fetched them when downstream had asked for them (no thread hand-off per poll), else
 * on the emitter thread ({@code sluice-kafka-emit-<name>}) once downstream requests more. Downstream
 * work done synchronously in {@code onNext} therefore delays the next poll (by at most what is buffered,
 * {@code maxInFlight} records; the group's heartbeats run on their own thread): a pipeline with heavy
 * synchronous stages should hand off itself ({@code publishOn}). Each record becomes a {@link Message}: value as payload (empty for a
 * tombstone), headers and key decoded as UTF-8, record timestamp, offset as {@link Message#sequence()}.
 *
 * <p><b>Backpressure without rebalances:</b> the consumer keeps polling, so the group never expires it
 * for exceeding {@code max.poll.interval.ms}, but it pauses all its partitions while it needs no
 * records: when downstream demand is covered by what it buffered, or when the records in flight
 * (fetched and not yet acknowledged) would exceed {@link KafkaBuilder#maxInFlight maxInFlight}. It
 * resumes them once downstream requests more. Nothing is buffered without bound: in flight stays at or
 * below {@code maxInFlight} ({@code max.poll.records} defaults to {@code min(500, maxInFlight)}; a larger
 * value set by hand may overshoot by one poll).
 *
 * <p><b>At least once:</b> auto-commit is off. An offset is committed only when every record before it
 * in its partition was acknowledged (contiguously), every {@link KafkaBuilder#commitInterval commit
 * interval}, when partitions are revoked in a rebalance, and on stop. When a record counts as
 * acknowledged is {@link KafkaBuilder.AckMode}: by default {@code ON_EMIT}, as soon as the pipeline took
 * it (its {@code onNext} returned), which is until end-to-end acknowledgements exist what "the sink has
 * it" means for a sink that writes synchronously; with {@code MANUAL} the application calls
 * {@link #acknowledge(Message)} with the message instance it received. After a crash, the records
 * after the last commit are delivered again (to this or another member): duplicates are bounded by
 * {@code maxInFlight} plus what one commit interval acknowledges.
 *
 * <p><b>Rebalance:</b> for revoked partitions, what was acknowledged is committed synchronously and
 * their records still buffered are dropped (the new owner gets them again from the committed offset);
 * a record already emitted when its partition was revoked may be delivered twice. Lost partitions
 * (session expired) are dropped without a commit.
 *
 * <p>Cancelling the flux (a pipeline stop) commits what was acknowledged, leaves the group and closes
 * the consumer within {@link KafkaBuilder#closeTimeout closeTimeout}. A consumer error (authorization,
 * offsets out of range with {@code auto.offset.reset=none}, ...) errors the flux with a
 * {@link KafkaTransportException} naming topics, group and cause.
 */
public final class KafkaSource implements Source<Message> {

    private final KafkaBuilder config;
    private final TransportMetrics metrics = new TransportMetrics("kafka");
    private final Map<Message, PartitionLedger.Entry> unacked = new IdentityHashMap<>();
    private final AtomicInteger rebalances = new AtomicInteger();
    private volatile int inFlight;
    private volatile int assigned;
    private volatile boolean paused;

    KafkaSource(KafkaBuilder b) {
        this.config = b;
    }

    /** @return counters: messages and bytes emitted, consumers opened/closed, errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return records fetched by the current subscription and not yet acknowledged and advanced past */
    public int inFlight() {
        return inFlight;
    }

    /** @return the consumer settings this source uses: derived defaults, the user's properties, then the fixed ones */
    Map<String, Object> consumerProperties() {
        Map<String, Object> p = KafkaClients.common(config, "consumer");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.min(500, config.maxInFlight)));
        p.putAll(config.properties);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    @Override
    public Flux<Message> flux() {
        return Flux.from(subscriber -> {
            Map<String, Object> p = consumerProperties();
            int maxPoll = Integer.parseInt(String.valueOf(p.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)));
            new SourceRun(this, config, subscriber, p, maxPoll).start();
        });
    }

    /**
     * Acknowledges a message this source emitted, in {@link KafkaBuilder.AckMode#MANUAL} mode: its offset
     * may be committed once every earlier record of its partition is acknowledged too. Idempotent; a
     * message of a partition this member no longer owns is ignored. In {@code ON_EMIT} mode this does
     * nothing (every message is acknowledged when emitted).
     *
     * @param m the very instance the source emitted (identity, not equality)
     * @return whether it was an unacknowledged message of this source
     */
    public boolean acknowledge(Message m) {
        PartitionLedger.Entry e;
        synchronized (unacked) {
            e = unacked.remove(m);
        }
        if (e == null) {
            return false;
        }
        e.ack();
        return true;
    }

    /** Drainer (emitter or poll thread), manual mode: a record is about to be delivered; {@link #acknowledge} will find its entry. */
    void awaitingAck(Message m, PartitionLedger.Entry e) {
        synchronized (unacked) {
            unacked.put(m, e);
        }
    }

    /** @return whether the current subscription's consumer has its partitions paused (no demand or in flight full) */
    public boolean paused() {
        return paused;
    }

    /** @return partitions currently assigned to the current subscription's consumer (0 before it joined the group) */
    public int assignedPartitions() {
        return assigned;
    }

    /** @return how many times partitions were revoked from or lost by this source's consumers */
    public int rebalances() {
        return rebalances.get();
    }

    void inFlight(int n) {
        inFlight = n;
    }

    void paused(boolean p) {
        paused = p;
    }

    void assigned(int n) {
        assigned = n;
    }

    void revoked() {
        rebalances.incrementAndGet();
    }

    @Override
    public String toString() {
        return "KafkaSource{topics=" + config.topics + ", group=" + config.group + ", bootstrap=" + config.bootstrap
                + ", " + metrics + '}';
    }
}
