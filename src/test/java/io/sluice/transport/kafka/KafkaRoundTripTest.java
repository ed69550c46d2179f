package io.sluice.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import io.sluice.transport.Payloads;
import io.sluice.transport.Transports;
import io.sluice.transport.spi.EndpointContext;
import io.sluice.transport.spi.EndpointOptions;
import io.sluice.transport.spi.EndpointType;
import io.sluice.transport.spi.OptionSpec;
import io.sluice.transport.spi.Role;
import io.sluice.transport.spi.TransportRegistry;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Round trips through a real in-process KRaft broker: payload, key and headers byte-exact, order per
 * key, the sink's in-flight bound, and the YAML endpoint type.
 */
class KafkaRoundTripTest {

    /** Small-message count; 100,000 by default, lower with {@code -Dsluice.kafka.small=N} on a slow box. */
    private static final int SMALL = Integer.getInteger("sluice.kafka.small", 100_000);
    private static final int LARGE = Integer.getInteger("sluice.kafka.large", 500);
    private static final int KEYS = 16;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final long BASE_TIME = System.currentTimeMillis();

    private static KafkaTestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** Message {@code i}: payload from {@link Payloads}, key header {@code device}, per-key sequence, a non-ASCII header. */
    static Message message(int i, int size) {
        return Message.builder().payload(Payloads.payload(7, i, size))
                .header("device", "d" + (i % KEYS))
                .header("n", Integer.toString(i / KEYS))
                .header("i", Integer.toString(i))
                .header("text", "h\u00e9llo \u2713 " + i)
                .timestamp(BASE_TIME + i)
                .build();
    }

    private void roundTrip(String topic, int count, int size) throws Exception {
        roundTrip(topic, count, size, Flux.range(0, count).map(i -> message(i, size)));
    }

    /** @param messages {@link #message} 0 to count - 1, each key's in order */
    private void roundTrip(String topic, int count, int size, Flux<Message> messages) throws Exception {
        broker.createTopic(topic, 4);
        int maxInFlight = 2_000;
        KafkaSink sink = broker.client().topic(topic).keyHeader("device").maxInFlight(maxInFlight).sink();
        AtomicLong requested = new AtomicLong();
        AtomicLong worstInFlight = new AtomicLong();
        Flux<Message> input = messages.doOnRequest(n -> {
            long out = requested.addAndGet(n) - sink.metrics().messages() - sink.oversized();
            worstInFlight.accumulateAndGet(out, Math::max);
        });
        java.util.concurrent.CompletableFuture<Void> written = sink.write(input).toFuture();
        try {
            written.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException timeout) {
            // slow (a loaded machine) or stuck? say what was acknowledged, what is in flight, and
            // where the sink's and the producer's threads are: read before cancelling the write,
            // which closes the producer (and fails what it still holds)
            AssertionError e = new AssertionError("sink.write(" + count + " messages) not done within " + WAIT + ": acknowledged "
                    + sink.metrics().messages() + ", requested " + requested.get() + ", in flight " + sink.inFlight()
                    + ", oversized " + sink.oversized() + ", errors " + sink.metrics().errors() + "\n" + kafkaThreads(), timeout);
            written.cancel(true);
            throw e;
        } catch (java.util.concurrent.ExecutionException failed) {
            throw new AssertionError("sink.write failed after " + sink.metrics().messages() + " acknowledged", failed.getCause());
        }
        assertThat(sink.metrics().messages()).isEqualTo(count);
        assertThat(worstInFlight.get()).as("requested and not acknowledged").isLessThanOrEqualTo(maxInFlight);

        KafkaSource source = broker.client().topics(topic).group(topic + "-readers").source();
        List<Message> got = source.flux().take(count).collectList().block(WAIT);
        assertThat(got).hasSize(count);
        boolean[] seen = new boolean[count];
        int[] nextPerKey = new int[KEYS];
        for (Message m : got) {
            int i = Integer.parseInt(m.headers().get("i"));
            assertThat(seen[i]).as("duplicate %d", i).isFalse();
            seen[i] = true;
            Message sent = message(i, size);
            assertThat(Arrays.equals(m.payload(), sent.payload())).as("payload of %d", i).isTrue();
            assertThat(m.headers()).isEqualTo(sent.headers());
            assertThat(m.key()).contains("d" + (i % KEYS));
            assertThat(m.timestamp()).isEqualTo(sent.timestamp());
            int key = i % KEYS;
            assertThat(Integer.parseInt(m.headers().get("n"))).as("order of key d%d", key).isEqualTo(nextPerKey[key]);
            nextPerKey[key]++;
        }
    }

    @Test
    void smallMessagesArriveByteExactInOrderPerKey() throws Exception {
        roundTrip("small", SMALL, 18);
    }

    @Test
    void veryLargeMessagesArriveByteExactInOrderPerKey() throws Exception {
        roundTrip("large", LARGE, 79_435);
    }

    /**
     * Messages emitted on the sink's own thread (inline on its request) and on other threads in one
     * stream (chunks emitted inline alternating with chunks a {@code publishOn} worker emits): order per
     * key and byte-exactness hold.
     */
    @Test
    void messagesEmittedOnTheSinkThreadAndOnOthersKeepTheirOrder() throws Exception {
        int count = 20_000;
        int chunk = 500;
        AtomicLong onSinkThread = new AtomicLong();
        AtomicLong elsewhere = new AtomicLong();
        Flux<Message> input = Flux.concat(Flux.range(0, count / chunk).map(c -> {
            Flux<Message> part = Flux.range(c * chunk, chunk).map(i -> message(i, 18));
            return c % 2 == 0 ? part : part.publishOn(Schedulers.parallel(), 32);
        }), 1);
        roundTrip("mixed", count, 18, input.doOnNext(m -> {
            (Thread.currentThread().getName().startsWith("sluice-kafka-sink-") ? onSinkThread : elsewhere).incrementAndGet();
        }));
        // positive control: both ways into the sink were taken
        assertThat(onSinkThread.get()).as("emitted on the sink thread").isPositive();
        assertThat(elsewhere.get()).as("emitted on other threads").isPositive();
    }

    @Test
    void yamlEndpointTypeBuildsWorkingSinkAndSource() throws Exception {
        EndpointType kafka = TransportRegistry.load().find("kafka").orElseThrow();
        assertThat(kafka.offersSource()).isTrue();
        assertThat(kafka.offersSink()).isTrue();
        broker.createTopic("yaml", 2);
        EndpointContext ctx = new EndpointContext("yaml-pipeline", null, new ByteArrayOutputStream());
        Map<String, Object> sinkYaml = Map.of("bootstrap", broker.bootstrap(), "topic", "yaml", "key", "device",
                "maxInFlight", "100", "properties", Map.of("linger.ms", 1, "compression.type", "lz4"));
        KafkaSink sink = (KafkaSink) kafka.sinkFactory().sink(options(kafka, Role.SINK, sinkYaml), ctx);
        assertThat(sink.producerProperties()).containsEntry("linger.ms", "1").containsEntry("acks", "all")
                .containsEntry("compression.type", "lz4");
        sink.write(Flux.range(0, 50).map(i -> message(i, 18))).block(WAIT);

        Map<String, Object> sourceYaml = Map.of("bootstrap", broker.bootstrap(), "topics", List.of("yaml"),
                "group", "archivers", "properties", Map.of("enable.auto.commit", "true", "fetch.min.bytes", 1));
        KafkaSource source = (KafkaSource) kafka.sourceFactory().source(options(kafka, Role.SOURCE, sourceYaml), ctx);
        assertThat(source.consumerProperties()).containsEntry("enable.auto.commit", "false")
                .containsEntry("fetch.min.bytes", "1").containsEntry("group.id", "archivers");
        List<Message> got = source.flux().take(50).collectList().block(WAIT);
        assertThat(got).extracting(m -> m.headers().get("i")).hasSize(50).doesNotHaveDuplicates();
        assertThat(got).allSatisfy(m -> assertThat(m.key()).contains(m.headers().get("device")));
    }

    @Test
    void builderIsReachableFromTransports() {
        assertThat(Transports.kafka().bootstrap(broker.bootstrap()).topic("t").sink()).isNotNull();
    }

    /** @return the stacks of the sink's and the Kafka clients' threads, for a timeout's message */
    private static String kafkaThreads() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("sluice-kafka-sink") || t.getName().startsWith("kafka-producer")) {
                b.append(t.getName()).append(' ').append(t.getState()).append('\n');
                for (int i = 0; i < Math.min(12, stack.length); i++) {
                    b.append("    at ").append(stack[i]).append('\n');
                }
            }
        });
        return b.toString();
    }

    /** What the gateway does: convert each YAML value with its spec and apply the defaults. */
    static EndpointOptions options(EndpointType type, Role role, Map<String, Object> yaml) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, OptionSpec> specs = new HashMap<>();
        type.options(role).forEach(o -> specs.put(o.name(), o));
        yaml.forEach((k, v) -> values.put(k, specs.get(k).convert(v)));
        for (OptionSpec o : type.options(role)) {
            if (!values.containsKey(o.name()) && o.defaultValue() != null) {
                values.put(o.name(), o.defaultValue());
            }
            assertThat(!o.required() || values.containsKey(o.name())).as(o.name()).isTrue();
        }
        return new EndpointOptions(type.name(), values);
    }
}
