package io.sluice.transport.kafka;

import io.sluice.event.EventDispatcher;
import io.sluice.transport.internal.BuilderFactories;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link KafkaSink} (producer) or a {@link KafkaSource} (consumer-group member).
 *
 * <pre>{@code
 * Sink<Message> sink = Transports.kafka().bootstrap("127.0.0.1:9092").topic("telemetry")
 *         .keyHeader("device").maxInFlight(10_000).sink();
 * Source<Message> source = Transports.kafka().bootstrap("127.0.0.1:9092").topics("telemetry")
 *         .group("archivers").source();
 * }</pre>
 *
 * Client settings not covered here go through {@link #property(String, String)}; they override the
 * defaults this builder derives (e.g. {@code max.block.ms} from {@link #timeout(Duration)}), except
 * the ones Sluice's guarantees rest on: the serializers, and {@code enable.auto.commit=false} on the
 * consumer.
 */
public final class KafkaBuilder {

    /** What the sink does with a record larger than the producer or broker accepts. */
    public enum Oversize {
        /** Count it, publish a {@link io.sluice.event.Dropped} event and go on with the next record. */
        DROP,
        /** Fail the pipeline, naming the topic and the record's size. */
        FAIL
    }

    /** When a consumed record counts as acknowledged, so that its offset may be committed. */
    public enum AckMode {
        /**
         * When the pipeline took it: the source's {@code onNext} returned, i.e. the stages and the sink
         * subscribed downstream handled it synchronously (a sink that writes in {@code onNext} has written
         * it; an asynchronous stage in between, such as an overflow buffer, has buffered it).
         */
        ON_EMIT,
        /** When the application calls {@link KafkaSource#acknowledge(io.sluice.Message)}. */
        MANUAL
    }

    String bootstrap;
    String topic;
    List<String> topics = List.of();
    String group;
    String keyHeader;
    String acks = "all";
    int maxInFlight = 10_000;
    Duration timeout = Duration.ofSeconds(30);
    Duration closeTimeout = Duration.ofSeconds(10);
    Duration commitInterval = Duration.ofSeconds(1);
    Oversize oversize = Oversize.DROP;
    AckMode ackMode = AckMode.ON_EMIT;
    final Map<String, String> properties = new LinkedHashMap<>();
    EventDispatcher events;
    String name = "kafka";

    static {
        BuilderFactories.register(KafkaBuilder.class, KafkaBuilder::new);
    }

    /** Package-private: obtain a builder from {@code Transports.kafka()} (see {@link BuilderFactories}). */
    KafkaBuilder() {
    }

    /**
     * @param servers {@code host:port[,host:port...]} of one or more brokers
     * @return this
     */
    public KafkaBuilder bootstrap(String servers) {
        this.bootstrap = Objects.requireNonNull(servers, "bootstrap");
        return this;
    }

    /**
     * @param t the topic a sink writes to
     * @return this
     */
    public KafkaBuilder topic(String t) {
        this.topic = Objects.requireNonNull(t, "topic");
        return this;
    }

    /**
     * @param t the topics a source consumes
     * @return this
     */
    public KafkaBuilder topics(String... t) {
        return topics(List.of(t));
    }

    /**
     * @param t the topics a source consumes
     * @return this
     */
    public KafkaBuilder topics(List<String> t) {
        this.topics = List.copyOf(t);
        return this;
    }

    /**
     * @param g the consumer group a source joins
     * @return this
     */
    public KafkaBuilder group(String g) {
        this.group = Objects.requireNonNull(g, "group");
        return this;
    }

    /**
     * @param header name of the message header whose value becomes the record key (sink); a message
     *     without that header is sent with its own {@link io.sluice.Message#key()}, else without key
     * @return this
     */
    public KafkaBuilder keyHeader(String header) {
        this.keyHeader = header;
        return this;
    }

    /**
     * @param value the producer's {@code acks}: {@code all} (default), {@code 1} or {@code 0}
     * @return this
     */
    public KafkaBuilder acks(String value) {
        if (!List.of("all", "-1", "1", "0").contains(value)) {
            throw new IllegalArgumentException("acks must be all, 1 or 0, was " + value);
        }
        this.acks = value;
        return this;
    }

    /**
     * @param n sink: records sent and not yet acknowledged by the broker; source: records fetched and
     *     not yet acknowledged by the pipeline. At least 1; default 10,000.
     * @return this
     */
    public KafkaBuilder maxInFlight(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + n);
        }
        this.maxInFlight = n;
        return this;
    }

    /**
     * @param t how long starting may take: reaching the cluster, finding the topic; also the producer's
     *     {@code max.block.ms}. Default 30 s.
     * @return this
     */
    public KafkaBuilder timeout(Duration t) {
        this.timeout = requirePositive(t, "timeout");
        return this;
    }

    /**
     * @param t how long closing the client may take (the producer's last sends, the consumer's last
     *     commit and leave-group). Default 10 s.
     * @return this
     */
    public KafkaBuilder closeTimeout(Duration t) {
        this.closeTimeout = requirePositive(t, "closeTimeout");
        return this;
    }

    /**
     * @param t how often a source commits acknowledged offsets (also on rebalance and stop). Default 1 s.
     * @return this
     */
    public KafkaBuilder commitInterval(Duration t) {
        this.commitInterval = requirePositive(t, "commitInterval");
        return this;
    }

    /**
     * @param policy what a sink does with an oversized record; default {@link Oversize#DROP}
     * @return this
     */
    public KafkaBuilder oversize(Oversize policy) {
        this.oversize = Objects.requireNonNull(policy, "oversize");
        return this;
    }

    /**
     * @param mode when a source counts a record as acknowledged; default {@link AckMode#ON_EMIT}
     * @return this
     */
    public KafkaBuilder ackMode(AckMode mode) {
        this.ackMode = Objects.requireNonNull(mode, "ackMode");
        return this;
    }

    /**
     * @param key a producer or consumer setting, e.g. {@code linger.ms}
     * @param value its value
     * @return this
     */
    public KafkaBuilder property(String key, String value) {
        properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * @param all client settings to add
     * @return this
     */
    public KafkaBuilder properties(Map<String, String> all) {
        all.forEach(this::property);
        return this;
    }

    /**
     * @param dispatcher receives drop and connection events
     * @return this
     */
    public KafkaBuilder events(EventDispatcher dispatcher) {
        this.events = dispatcher;
        return this;
    }

    /**
     * @param label names the endpoint in logs, events and thread names (e.g. the pipeline's name)
     * @return this
     */
    public KafkaBuilder name(String label) {
        this.name = Objects.requireNonNull(label, "name");
        return this;
    }

    /**
     * @return a producer sink
     * @throws IllegalStateException without bootstrap or topic
     */
    public KafkaSink sink() {
        require(bootstrap, "bootstrap");
        require(topic, "topic");
        return new KafkaSink(this);
    }

    /**
     * @return a consumer-group source
     * @throws IllegalStateException without bootstrap, topics or group
     */
    public KafkaSource source() {
        require(bootstrap, "bootstrap");
        require(group, "group");
        if (topics.isEmpty()) {
            throw new IllegalStateException("kafka source needs at least one topic");
        }
        return new KafkaSource(this);
    }

    private static void require(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("kafka endpoint needs " + what);
        }
    }

    private static Duration requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }
}
