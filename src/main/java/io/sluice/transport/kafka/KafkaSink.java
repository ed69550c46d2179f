package io.sluice.transport.kafka;

import io.sluice.Message;
import io.sluice.event.Dropped;
import io.sluice.pipeline.Sink;
import io.sluice.transport.TransportMetrics;
import io.sluice.transport.internal.TransportSupport;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.concurrent.Queues;

/**
 * Kafka producer sink. Each {@link #write(Flux)} checks the cluster and the topic (within the
 * configured {@link KafkaBuilder#timeout timeout}, with a clear error otherwise), opens one
 * {@link KafkaProducer} ({@code acks=all} and idempotence unless overridden) and sends every message as
 * a record: payload as value, headers as Kafka headers (UTF-8), the key from the configured header
 * (else {@link Message#key()}), the message timestamp as record timestamp.
 *
 * <p><b>Bounded in flight:</b> at most {@link KafkaBuilder#maxInFlight maxInFlight} messages are
 * requested and not yet acknowledged by the broker; more are requested only as acknowledgements come
 * back. A slow or unreachable broker thus backpressures the pipeline (with a lossless
 * {@code Overflow.block} stage upstream: the source stops being asked) instead of filling the
 * producer's {@code buffer.memory}. {@code send} (which may block on metadata or a full buffer) runs on
 * the sink's own thread ({@code sluice-kafka-sink-<name>}), never on a Netty event loop; messages reach
 * that thread through a queue that wakes it once per batch, not per message. The input is subscribed
 * at once (a server source binds while Kafka is being checked) and asked for nothing until the
 * producer is ready.
 *
 * <p><b>Errors:</b> a retriable error is retried by the producer within its {@code delivery.timeout.ms};
 * an error that remains fails the returned {@code Mono} with a {@link KafkaTransportException} naming the
 * topic, partition and cause. A record larger than the producer ({@code max.request.size}) or the
 * broker accepts is counted ({@link #oversized()}) and, per {@link KafkaBuilder.Oversize}, dropped
 * (with a {@link Dropped} event, stage {@code kafka-sink:<topic>}, policy {@code oversize}) or fails the
 * pipeline.
 *
 * <p><b>Completion:</b> the {@code Mono} completes once the input completed and every record was
 * acknowledged; the producer is then closed within {@link KafkaBuilder#closeTimeout closeTimeout}. It
 * is the per-pipeline acknowledgement until per-message acknowledgements exist. Cancelling it (e.g. a
 * drain timeout) closes the producer at once; records not yet acknowledged may or may not have been
 * written.
 */
public final class KafkaSink implements Sink<Message> {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

    private final KafkaBuilder config;
    private final TransportMetrics metrics = new TransportMetrics("kafka");
    private final LongAdder oversized = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();

    KafkaSink(KafkaBuilder b) {
        this.config = b;
    }

    /** @return counters: messages and bytes acknowledged by the broker, producers opened/closed, errors */
    public TransportMetrics metrics() {
        return metrics;
    }

    /** @return records refused as too large (dropped or failing, per the oversize policy) */
    public long oversized() {
        return oversized.sum();
    }

    /** @return messages requested from upstream and not yet acknowledged by the broker (at most maxInFlight) */
    public int inFlight() {
        return inFlight.get();
    }

    /** @return the producer settings this sink uses: derived defaults, then the user's properties */
    Map<String, Object> producerProperties() {
        Map<String, Object> p = KafkaClients.common(config, "producer");
        p.put(ProducerConfig.ACKS_CONFIG, config.acks);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.timeout.toMillis()));
        p.putAll(config.properties);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    @Override
    public Mono<Void> write(Flux<Message> elements) {
        return Mono.create(done -> {
            Run run = new Run(done);
            done.onCancel(run::abort);
            run.exec(run::open);
            // subscribed at once (a server source binds now) but asked for nothing until the producer is ready
            elements.subscribe(run);
        });
    }

    /** One write: the upstream subscription, the producer and the thread that sends. */
    private final class Run extends BaseSubscriber<Message> {
        private final MonoSink<Void> done;
        private final ExecutorService thread;
        private final AtomicBoolean finished = new AtomicBoolean();
        private final AtomicInteger sinceRequest = new AtomicInteger();
        /** Messages received from upstream, not yet sent (at most maxInFlight: upstream is requested no more). */
        private final Queue<Message> queue = Queues.<Message>unbounded(256).get();
        private final AtomicInteger wip = new AtomicInteger();
        private final AtomicInteger gates = new AtomicInteger();
        private final int batch = Math.max(1, config.maxInFlight / 4);
        private volatile Producer<byte[], byte[]> producer;

        Run(MonoSink<Void> done) {
            this.done = done;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "sluice-kafka-sink-" + config.name);
                t.setDaemon(true);
                return t;
            });
        }

        void exec(Runnable task) {
            try {
                thread.execute(() -> {
                    try {
                        task.run();
                    } catch (Throwable e) {
                        fail(e instanceof KafkaTransportException ? e
                                : new KafkaTransportException("kafka sink, topic " + config.topic + ": "
                                        + KafkaClients.cause(e), e));
                    }
                });
            } catch (RejectedExecutionException closed) {
                // finished or aborted: nothing more to do
            }
        }

        void open() {
            KafkaClients.check(config, null);
            Producer<byte[], byte[]> p = new KafkaProducer<>(producerProperties());
            synchronized (this) {
                if (finished.get()) { // aborted while checking: close() found no producer
                    p.close(Duration.ZERO);
                    return;
                }
                producer = p;
            }
            metrics.connectionOpened();
            try {
                p.partitionsFor(config.topic);
            } catch (TimeoutException e) {
                throw new KafkaTransportException("topic '" + config.topic + "' not found on Kafka at "
                        + config.bootstrap + " within " + config.timeout + " (and not created by the broker)", e);
            }
            if (finished.get()) {
                return;
            }
            LOG.debug("kafka sink '{}' sending to topic {} at {}", config.name, config.topic, config.bootstrap);
            gate();
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            gate();
        }

        /** Subscribed and producer ready (in either order, on either thread): the first request. */
        private void gate() {
            if (gates.incrementAndGet() == 2) {
                inFlight.addAndGet(config.maxInFlight);
                request(config.maxInFlight);
            }
        }

        /**
         * Queues the message for the sink thread; one hand-off per batch, not per message: the thread is
         * woken only when the queue was empty (work-in-progress counter), and then sends all it finds.
         */
        @Override
        protected void hookOnNext(Message m) {
            queue.offer(m);
            if (wip.getAndIncrement() == 0) {
                exec(this::sendQueued);
            }
        }

        /** On the sink thread: sends every queued message; a completion queued later runs after this. */
        private void sendQueued() {
            int missed = 1;
            do {
                Message m;
                while ((m = queue.poll()) != null) {
                    send(m);
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        @Override
        protected void hookOnComplete() {
            exec(this::settle);
        }

        @Override
        protected void hookOnError(Throwable t) {
            fail(t);
        }

        private void send(Message m) {
            if (finished.get()) {
                queue.clear();
                return;
            }
            int size = m.size(); // the callback holds the size only: the payload is garbage once copied into a batch
            producer.send(KafkaClients.record(config.topic, config.keyHeader, m), (md, e) -> acked(size, md, e));
        }

        /** On the producer's I/O thread (or the sink thread, for an error {@code send} reports at once). */
        private void acked(int size, RecordMetadata md, Exception e) {
            if (e == null) {
                metrics.message(size);
            } else if (e instanceof RecordTooLargeException) {
                long n;
                oversized.increment();
                n = oversized.sum();
                if (config.oversize == KafkaBuilder.Oversize.FAIL) {
                    fail(new KafkaTransportException("kafka sink: a record of " + size + " bytes is too large for topic "
                            + config.topic + ": " + e.getMessage(), e));
                    return;
                }
                LOG.warn("kafka sink '{}': dropped a record of {} bytes, too large for topic {} ({} so far)",
                        config.name, size, config.topic, n);
                TransportSupport.publish(config.events, new Dropped("kafka-sink:" + config.topic, "oversize", n));
            } else {
                metrics.error();
                String partition = md == null || md.partition() < 0 ? "unknown" : Integer.toString(md.partition());
                fail(new KafkaTransportException("kafka sink: sending to topic " + config.topic + " partition "
                        + partition + " failed: " + KafkaClients.cause(e), e));
                return;
            }
            inFlight.decrementAndGet();
            if (sinceRequest.incrementAndGet() >= batch) {
                int n = sinceRequest.getAndSet(0);
                inFlight.addAndGet(n);
                // upstream may emit inline on request: keep that work off the producer's I/O thread
                exec(() -> request(n));
            }
        }

        /** On the sink thread, after every send: waits for the last acks, then closes. */
        private void settle() {
            if (finished.get()) {
                return;
            }
            producer.flush();
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            close(config.closeTimeout, false);
            LOG.debug("kafka sink '{}' finished: {}", config.name, metrics);
            done.success();
        }

        void fail(Throwable e) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            LOG.warn("kafka sink '{}' failed: {}", config.name, e.getMessage());
            cancel();
            // close from a thread of ours: a producer closed from its own callback cannot wait
            Thread t = new Thread(() -> {
                close(Duration.ZERO, true);
                done.error(e);
            }, "sluice-kafka-sink-close");
            t.setDaemon(true);
            t.start();
        }

        void abort() {
            if (finished.compareAndSet(false, true)) {
                cancel();
                close(Duration.ZERO, true);
            }
        }

        /** {@code interrupt}: also stop a send blocked on metadata (never from the sink thread itself). */
        private void close(Duration timeout, boolean interrupt) {
            if (interrupt) {
                thread.shutdownNow();
            } else {
                thread.shutdown();
            }
            Producer<byte[], byte[]> p;
            synchronized (this) {
                p = producer;
            }
            if (p != null) {
                try {
                    p.close(timeout);
                } catch (RuntimeException e) {
                    LOG.debug("kafka sink '{}': closing the producer: {}", config.name, e.toString());
                }
                metrics.connectionClosed();
            }
            inFlight.set(0);
        }
    }

    @Override
    public String toString() {
        return "KafkaSink{topic=" + config.topic + ", bootstrap=" + config.bootstrap + ", " + metrics + '}';
    }
}
