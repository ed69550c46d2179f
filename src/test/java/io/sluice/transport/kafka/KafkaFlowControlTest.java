package io.sluice.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.event.Dropped;
import io.sluice.event.EventDispatcher;
import io.sluice.overflow.Overflow;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Backpressure, commits and bad input against a real in-process KRaft cluster (a broker node and a
 * controller node, so the broker can restart alone): a stalled downstream keeps the consumer paused and
 * in its group; a broker outage stalls a {@link KafkaSink} pipeline behind {@code Overflow.block} with
 * bounded in flight, and it resumes with every record delivered once; manual acknowledgements commit only
 * contiguous offsets; an unreachable cluster, a missing topic and oversized records give clear errors or
 * counted drops.
 */
class KafkaFlowControlTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int MAX_POLL_INTERVAL_MS = 1_500;
    private static KafkaTestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start(Map.of(), false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static void produce(String topic, int count, int size) {
        broker.client().topic(topic).keyHeader("device").sink()
                .write(Flux.range(0, count).map(i -> KafkaRoundTripTest.message(i, size))).block(WAIT);
    }

    /** Consumer settings under which a member that stops polling is expelled within 1.5 s. */
    private static Map<String, String> shortPollInterval() {
        return Map.of("max.poll.interval.ms", Integer.toString(MAX_POLL_INTERVAL_MS), "session.timeout.ms", "6000",
                "heartbeat.interval.ms", "500");
    }

    @Test
    void stalledDownstreamKeepsTheConsumerPausedAndInItsGroup() throws Exception {
        int total = 5_000;
        int maxInFlight = 1_000;
        broker.createTopic("stall", 2);
        produce("stall", total, 18);
        KafkaSource source = broker.client().topics("stall").group("stallers").maxInFlight(maxInFlight)
                .properties(shortPollInterval()).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        BaseSubscriber<Message> stalled = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(100);
            }

            @Override
            protected void hookOnNext(Message m) {
                got.add(m);
            }
        };
        source.flux().subscribe(stalled);
        try {
            await(() -> got.size() == 100 && source.paused(), "100 delivered, then paused");
            String member = onlyMember("stallers");

            // positive control: a plain consumer with the same settings that stops polling is expelled
            try (KafkaConsumer<byte[], byte[]> control = plainConsumer("control")) {
                control.subscribe(List.of("stall"));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (control.assignment().isEmpty() && System.nanoTime() < deadline) {
                    control.poll(Duration.ofMillis(100));
                }
                assertThat(control.assignment()).as("control consumer assigned").isNotEmpty();
                await(() -> describe("control").members().isEmpty(), "control consumer expelled");
                long expelledAfter = System.nanoTime();
                // the stalled source outlives the control by two more poll intervals
                await(() -> System.nanoTime() - expelledAfter > 2 * MAX_POLL_INTERVAL_MS * 1_000_000L, "two more intervals");
            }

            assertThat(got).hasSize(100);
            assertThat(source.paused()).isTrue();
            assertThat(source.inFlight()).isBetween(1, maxInFlight);
            assertThat(source.rebalances()).isZero();
            assertThat(onlyMember("stallers")).isEqualTo(member);

            stalled.request(Long.MAX_VALUE);
            await(() -> got.size() >= total, "all records after resuming");
            Set<String> ids = new HashSet<>();
            got.forEach(m -> ids.add(m.headers().get("i")));
            assertThat(ids).hasSize(total);
            assertThat(source.rebalances()).isZero();
        } finally {
            stalled.dispose();
        }
    }

    @Test
    void manualAcknowledgementsCommitOnlyTheContiguousPrefix() throws Exception {
        broker.createTopic("manual", 1);
        produce("manual", 10, 18);
        KafkaSource source = broker.client().topics("manual").group("manual-readers")
                .ackMode(KafkaBuilder.AckMode.MANUAL).commitInterval(Duration.ofMillis(100)).source();
        List<Message> got = new CopyOnWriteArrayList<>();
        var sub = source.flux().subscribe(got::add);
        try {
            await(() -> got.size() == 10, "10 records");
            for (int i : new int[] {4, 5, 0, 1, 2}) {
                assertThat(source.acknowledge(got.get(i))).isTrue();
            }
            assertThat(source.acknowledge(got.get(4))).as("second ack of the same record").isFalse();
            await(() -> committed("manual-readers", "manual") >= 0, "first commit");
            assertThat(committed("manual-readers", "manual")).isEqualTo(3);
            source.acknowledge(got.get(3));
            await(() -> committed("manual-readers", "manual") == 6, "commit after the gap closed");
        } finally {
            sub.dispose();
        }
    }

    @Test
    void unreachableClusterFailsClearlyWithinTheTimeout() throws IOException {
        String nobody;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = "127.0.0.1:" + s.getLocalPort();
        }
        KafkaBuilder b = Transports.kafka().bootstrap(nobody).timeout(Duration.ofSeconds(2));
        assertThatThrownBy(() -> b.topic("t").sink().write(Flux.just(Message.ofUtf8("x"))).block(WAIT))
                .isInstanceOf(KafkaTransportException.class).hasMessageContaining("cannot reach Kafka at " + nobody)
                .hasMessageContaining("PT2S");
        assertThatThrownBy(() -> b.topics("t").group("g").source().flux().blockFirst(WAIT))
                .isInstanceOf(KafkaTransportException.class).hasMessageContaining("cannot reach Kafka at " + nobody);
    }

    @Test
    void unknownTopicFailsClearly() {
        KafkaBuilder b = broker.client().timeout(Duration.ofSeconds(3));
        assertThatThrownBy(() -> b.topic("no-such-topic").sink().write(Flux.just(Message.ofUtf8("x"))).block(WAIT))
                .isInstanceOf(KafkaTransportException.class).hasMessageContaining("topic 'no-such-topic' not found");
        assertThatThrownBy(() -> b.topics("no-such-topic").group("g").source().flux().blockFirst(WAIT))
                .isInstanceOf(KafkaTransportException.class).hasMessageContaining("[no-such-topic] not found");
    }

    @Test
    void oversizedRecordsAreCountedAndDroppedOrFailThePipeline() throws Exception {
        // the broker refuses records over 20,000 bytes on this topic; the producer over 100,000 bytes
        broker.admin().createTopics(List.of(new NewTopic("limited", 1, (short) 1)
                .configs(Map.of("max.message.bytes", "20000")))).all().get(30, TimeUnit.SECONDS);
        EventDispatcher events = new EventDispatcher();
        List<Dropped> drops = new CopyOnWriteArrayList<>();
        events.on(Dropped.class, drops::add);
        KafkaSink sink = broker.client().topic("limited").property("max.request.size", "100000").events(events).sink();
        List<Message> input = List.of(KafkaRoundTripTest.message(0, 18), KafkaRoundTripTest.message(1, 79_435),
                KafkaRoundTripTest.message(2, 18), KafkaRoundTripTest.message(3, 200_000),
                KafkaRoundTripTest.message(4, 18));
        sink.write(Flux.fromIterable(input)).block(WAIT);
        assertThat(sink.oversized()).isEqualTo(2);
        assertThat(sink.metrics().messages()).isEqualTo(3);
        await(() -> drops.size() == 2, "two Dropped events");
        assertThat(drops).allSatisfy(d -> assertThat(d.policy()).isEqualTo("oversize"));
        List<Message> got = broker.client().topics("limited").group("limited-readers").source().flux().take(3)
                .collectList().block(WAIT);
        assertThat(got).extracting(m -> m.headers().get("i")).containsExactly("0", "2", "4");

        KafkaSink strict = broker.client().topic("limited").oversize(KafkaBuilder.Oversize.FAIL).sink();
        assertThatThrownBy(() -> strict.write(Flux.fromIterable(input.subList(0, 3))).block(WAIT))
                .isInstanceOf(KafkaTransportException.class).hasMessageContaining("79435 bytes is too large for topic limited");
        assertThat(strict.oversized()).isEqualTo(1);
    }

    @Test
    void sinkStallsWhileTheBrokerIsDownAndResumesWithNothingLost() throws Exception {
        int total = 30_000;
        int maxInFlight = 500;
        int buffer = 256;
        broker.createTopic("outage", 2);
        KafkaSink sink = broker.client().topic("outage").keyHeader("device").maxInFlight(maxInFlight)
                .properties(Map.of("reconnect.backoff.max.ms", "200", "retry.backoff.max.ms", "200")).sink();
        AtomicLong generated = new AtomicLong();
        AtomicLong worst = new AtomicLong();
        Flux<Message> input = Flux.range(0, total).map(i -> KafkaRoundTripTest.message(i, 18))
                .doOnNext(m -> worst.accumulateAndGet(generated.incrementAndGet() - sink.metrics().messages(), Math::max))
                .transform(Overflow.block(buffer));
        Mono<Void> done = sink.write(input).cache();
        done.subscribe(null, e -> { });

        await(() -> sink.metrics().messages() >= 2_000, "2,000 acknowledged before the outage");
        long before = sink.metrics().messages();
        broker.restartBroker();
        long after = sink.metrics().messages();
        done.block(WAIT);

        assertThat(after).as("the outage interrupted the stream").isLessThan(total);
        assertThat(worst.get()).as("generated and not acknowledged").isLessThanOrEqualTo(maxInFlight + buffer);
        assertThat(sink.metrics().messages()).isEqualTo(total);
        List<Message> got = broker.client().topics("outage").group("outage-readers").source().flux()
                .take(total).collectList().block(WAIT);
        Set<String> ids = new HashSet<>();
        got.forEach(m -> ids.add(m.headers().get("i")));
        assertThat(ids).as("each record once (before the outage %d acknowledged)", before).hasSize(total);
    }

    private static KafkaConsumer<byte[], byte[]> plainConsumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.putAll(shortPollInterval());
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static ConsumerGroupDescription describe(String group) {
        try {
            return broker.admin().describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("describe " + group, e);
        }
    }

    private static String onlyMember(String group) {
        Collection<?> members = describe(group).members();
        assertThat(members).hasSize(1);
        return describe(group).members().iterator().next().consumerId();
    }

    private static long committed(String group, String topic) {
        try {
            Map<TopicPartition, OffsetAndMetadata> m = broker.admin().listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            OffsetAndMetadata o = m.get(new TopicPartition(topic, 0));
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            throw new AssertionError("offsets of " + group, e);
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
