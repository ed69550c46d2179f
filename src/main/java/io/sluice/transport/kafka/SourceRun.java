package io.sluice.transport.kafka;

import io.sluice.Message;
import java.time.Duration;
import java.util.List;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
 * <p>Delivery is a drain loop that one thread at a time runs (the {@code wip} counter): right after a
 * poll that fetched records, the poll thread runs it itself when no one else is in it, so records that
 * downstream already asked for are delivered without a thread hand-off (as Kafka's own consumer loop
 * does); when downstream requests more later, or the emitter was busy, the emitter thread runs it. Either
 * way one drainer at a time takes batches from one queue in poll order, so each partition's order is
 * kept, and what a poll thread drain may do is bounded by what is buffered ({@code maxInFlight}).
 *
 * <p>The poll thread polls continuously (so the group never sees a {@code max.poll.interval.ms}
 * expiry) and pauses every assigned partition whenever it needs no more records: downstream demand is
 * covered by what is buffered, or the records in flight (fetched and not yet acknowledged) would exceed
 * {@code maxInFlight}. Records of one poll are buffered in poll order, which keeps each partition's
 * order. Acknowledged offsets are committed every commit interval, on revocation and on stop.
 */
final class SourceRun implements Subscription, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SourceRun.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final AtomicLongFieldUpdater<SourceRun> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(SourceRun.class, "requested");

    private final KafkaSource source;
    private final KafkaBuilder config;
    private final Subscriber<? super Message> actual;
    private final Map<String, Object> properties;
    private final int maxPollRecords;
    /**
     * Fetched records not yet emitted, one element per partition per poll: offered by the poll thread
     * only, taken by the emitter only.
     */
    private final Queue<PartitionLedger.Batch> buffer = Queues.<PartitionLedger.Batch>unbounded(64).get();
    /** Drainer (poll or emitter thread, one at a time): the batch being emitted, or null. */
    private PartitionLedger.Batch current;
    private final boolean manual;
    private final AtomicInteger buffered = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final ExecutorService emitter;
    private final Ledgers ledgers;
    private final Thread poller;
    private volatile Consumer<byte[], byte[]> consumer;
    /** Written by the poll thread only; read by the others to decide whether to wake it. */
    private volatile boolean paused;
    /** A wakeup was sent to the poll thread and it has not re-evaluated pausing since. */
    private final AtomicBoolean wakePending = new AtomicBoolean();
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
        this.manual = config.ackMode == KafkaBuilder.AckMode.MANUAL;
        this.ledgers = new Ledgers(source, config, () -> paused);
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
        if (n <= 0) { // Reactive Streams rule 3.9: stop, then signal the error from the drainer
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
            ledgers.consumer(consumer);
            consumer.subscribe(config.topics, ledgers);
            source.metrics().connectionOpened();
            LOG.debug("kafka source '{}' joined group {} for {}", config.name, config.group, config.topics);
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
                    List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
                    buffer.offer(l.fetched(rs));
                    added += rs.size();
                }
                if (added != 0) {
                    buffered.addAndGet(added);
                    drainHere();
                }
                ledgers.commitIfDue();
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
        int tracked = ledgers.advance();
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

    private void closeConsumer() {
        Consumer<byte[], byte[]> c = consumer;
        if (c == null) {
            return;
        }
        try {
            ledgers.commitAll();
            c.close(CloseOptions.timeout(config.closeTimeout));
        } catch (RuntimeException e) {
            LOG.debug("kafka source '{}': closing the consumer: {}", config.name, e.toString());
        }
        source.metrics().connectionClosed();
        source.inFlight(0);
        source.assigned(0);
    }

    // ---- drainer: the emitter thread, or the poll thread after a poll ----

    /**
     * Poll thread, after a poll that buffered records: delivers them on this thread unless another drain
     * is under way (which then picks them up): no thread hand-off and wake-up per poll.
     */
    private void drainHere() {
        if (wip.getAndIncrement() == 0) {
            drain();
        }
    }

    /** Any thread: demand arrived, the run ended or was cancelled: the emitter thread drains. */
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
            long bytes = 0;
            int taken = 0;
            while (e != r && !cancelled) {
                PartitionLedger.Batch b = current;
                if (b == null) {
                    b = buffer.poll();
                    if (b == null) {
                        break;
                    }
                    current = b;
                }
                // one run of one partition's records: the ledger hears of it once, at its end
                PartitionLedger l = b.ledger;
                List<ConsumerRecord<byte[], byte[]>> rs = b.records;
                int i = b.next;
                int end = rs.size();
                int from = i;
                long e0 = e;
                long offset = -1;
                while (i < end && e != r && !cancelled && !l.revoked()) {
                    ConsumerRecord<byte[], byte[]> rec = rs.get(i++);
                    Message m = KafkaClients.message(rec);
                    if (manual) {
                        source.awaitingAck(m, l.emitting(rec.offset()));
                    }
                    actual.onNext(m);
                    bytes += m.size();
                    offset = rec.offset();
                    e++;
                }
                if (l.revoked()) { // its records still buffered are dropped
                    i = end;
                }
                taken += i - from;
                if (e != e0) {
                    l.emitted((int) (e - e0), offset + 1);
                }
                if (i == end) {
                    current = null;
                } else {
                    b.next = i;
                }
            }
            if (taken != 0) {
                buffered.addAndGet(-taken);
            }
            if (e != 0) {
                source.metrics().addMessages(e, bytes);
                Operators.produced(REQUESTED, this, e);
                wakeIfPaused();
            }
            if (cancelled || (terminated && (error != null || (current == null && buffer.isEmpty())))) {
                finish();
                return;
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void finish() {
        emitter.shutdown();
        buffer.clear();
        current = null;
        if (!cancelled || badRequest) {
            if (error != null) {
                actual.onError(error);
            } else {
                actual.onComplete();
            }
        }
    }
}
