package io.sluice.transport.kafka;

import io.sluice.Message;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

/**
 * One subscription to a {@link KafkaSource}: the consumer, driven by its poll thread, and the emitter
 * thread that delivers buffered records as downstream requests them.
 *
 * <p>The poll thread polls continuously (so the group never sees a {@code max.poll.interval.ms}
 * expiry) and pauses every assigned partition whenever it needs no more records: downstream demand is
 * covered by what is buffered, or the records in flight (fetched and not yet acknowledged) would exceed
 * {@code maxInFlight}. Records of one poll are buffered in poll order, which keeps each partition's
 * order. Acknowledged offsets are committed every commit interval, on revocation and on stop.
 */
final class SourceRun implements Subscription, ConsumerRebalanceListener, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SourceRun.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final AtomicLongFieldUpdater<SourceRun> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(SourceRun.class, "requested");

    private final KafkaSource source;
    private final KafkaBuilder config;
    private final Subscriber<? super Message> actual;
    private final Map<String, Object> properties;
    private final int maxPollRecords;
    /** Fetched records not yet emitted: offered by the poll thread only, taken by the emitter only. */
    private final Queue<PartitionLedger.Entry> buffer = Queues.<PartitionLedger.Entry>unbounded(512).get();
    private final boolean onEmit;
    private final AtomicInteger buffered = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final ExecutorService emitter;
    private final Map<TopicPartition, PartitionLedger> ledgers = new HashMap<>();
    private final Thread poller;
    private volatile Consumer<byte[], byte[]> consumer;
    /** Written by the poll thread only; read by the others to decide whether to wake it. */
    private volatile boolean paused;
    /** A wakeup was sent to the poll thread and it has not re-evaluated pausing since. */
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private long nextCommit;
    private volatile long requested;
    private volatile boolean cancelled;
    private volatile boolean badRequest;
    private volatile boolean terminated;
    private volatile Throwable error;

    SourceRun(KafkaSource source, KafkaBuilder config, Subscriber<? super Message> actual,
            Map<String, Object> properties, int maxPollRecords) {
        this.source = source;
        this.config = config;
        this.actual = actual;
        this.properties = properties;
        this.maxPollRecords = maxPollRecords;
        this.onEmit = config.ackMode == KafkaBuilder.AckMode.ON_EMIT;
        this.emitter = Executors.newSingleThreadExecutor(r -> daemon(r, "sluice-kafka-emit-" + config.name));
        this.poller = daemon(this, "sluice-kafka-poll-" + config.name);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void start() {
        actual.onSubscribe(this);
        poller.start();
    }

    @Override
    public void request(long n) {
        if (n <= 0) { // Reactive Streams rule 3.9: stop, then signal the error from the emitter thread
            error = new IllegalArgumentException("request must be positive, was " + n);
            badRequest = true;
            cancel();
            return;
        }
        Operators.addCap(REQUESTED, this, n);
        drainLater();
        wakeIfPaused();
    }

    /**
     * Any thread: demand or room arrived; a paused consumer blocked in {@code poll} re-evaluates at once
     * instead of at the end of the poll timeout. One wakeup per pause decision.
     */
    private void wakeIfPaused() {
        if (paused && wakePending.compareAndSet(false, true)) {
            Consumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        drainLater();
    }

    // ---- poll thread ----

    @Override
    public void run() {
        try {
            KafkaClients.check(config, config.topics);
            consumer = new KafkaConsumer<>(properties);
            if (cancelled) {
                return;
            }
            consumer.subscribe(config.topics, this);
            source.metrics().connectionOpened();
            LOG.debug("kafka source '{}' joined group {} for {}", config.name, config.group, config.topics);
            nextCommit = System.nanoTime() + config.commitInterval.toNanos();
            while (!cancelled) {
                adjustPause();
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException w) {
                    continue;
                }
                int added = 0;
                for (TopicPartition tp : records.partitions()) {
                    PartitionLedger l = ledgers.get(tp);
                    if (l == null) {
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        buffer.offer(l.fetched(r.offset(), KafkaClients.message(r)));
                        added++;
                    }
                }
                if (added != 0) {
                    buffered.addAndGet(added);
                    drainLater();
                }
                commitIfDue(false);
            }
        } catch (Throwable e) {
            error = e instanceof KafkaTransportException ? e
                    : new KafkaTransportException("kafka source (topics " + config.topics + ", group " + config.group
                            + ") failed: " + KafkaClients.cause(e), e);
            LOG.warn("kafka source '{}': {}", config.name, error.getMessage());
            source.metrics().error();
        } finally {
            closeConsumer();
            terminated = true;
            drainLater();
        }
    }

    private void adjustPause() {
        wakePending.set(false);
        int tracked = 0;
        for (PartitionLedger l : ledgers.values()) {
            l.advance();
            tracked += l.size();
        }
        source.inFlight(tracked);
        boolean want = requested > buffered.get()
                && (tracked == 0 || tracked + maxPollRecords <= config.maxInFlight);
        if (want == paused) { // a change: resume when wanted and paused, pause when not wanted and running
            if (want) {
                consumer.resume(consumer.paused());
                paused = false;
                source.paused(false);
            } else {
                consumer.pause(consumer.assignment());
                paused = true;
                source.paused(true);
            }
        }
    }

    private void commitIfDue(boolean now) {
        if (!now && System.nanoTime() < nextCommit) {
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
            ledgers.put(tp, new PartitionLedger(tp));
        }
        source.assigned(ledgers.size());
        if (paused && !partitions.isEmpty()) {
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

    private void closeConsumer() {
        Consumer<byte[], byte[]> c = consumer;
        if (c == null) {
            return;
        }
        try {
            commitSync(ledgers.values(), "stop");
            c.close(CloseOptions.timeout(config.closeTimeout));
        } catch (RuntimeException e) {
            LOG.debug("kafka source '{}': closing the consumer: {}", config.name, e.toString());
        }
        source.metrics().connectionClosed();
        source.inFlight(0);
        source.assigned(0);
    }

    // ---- emitter thread ----

    private void drainLater() {
        if (wip.getAndIncrement() == 0) {
            try {
                emitter.execute(this::drain);
            } catch (RejectedExecutionException done) {
                // terminated
            }
        }
    }

    private void drain() {
        int missed = 1;
        do {
            long r = requested;
            long e = 0;
            int taken = 0;
            while (e != r && !cancelled) {
                PartitionLedger.Entry rec = buffer.poll();
                if (rec == null) {
                    break;
                }
                taken++;
                Message m = rec.take();
                if (rec.ledger.revoked()) {
                    continue;
                }
                source.emitted(m, rec);
                actual.onNext(m);
                e++;
                if (onEmit) {
                    rec.ack();
                }
            }
            if (taken != 0) {
                buffered.addAndGet(-taken);
            }
            if (e != 0) {
                Operators.produced(REQUESTED, this, e);
                wakeIfPaused();
            }
            if (cancelled || (terminated && (error != null || buffer.isEmpty()))) {
                finish();
                return;
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void finish() {
        emitter.shutdown();
        buffer.clear();
        if (!cancelled || badRequest) {
            if (error != null) {
                actual.onError(error);
            } else {
                actual.onComplete();
            }
        }
    }
}
