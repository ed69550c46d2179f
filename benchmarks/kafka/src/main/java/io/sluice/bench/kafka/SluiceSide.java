package io.sluice.bench.kafka;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.kafka.KafkaSink;
import io.sluice.transport.kafka.KafkaSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import reactor.core.publisher.Flux;

/**
 * The Sluice side of a cell, run in a child JVM like Kafka's tools ({@link Jvm}); prints
 * {@code RESULT <records/s>}.
 *
 * <ul>
 * <li>{@code producer <bootstrap> <topic> <records> <size> [k=v ...]}: a {@link KafkaSink} writes
 * {@code records} messages of {@code size} random letters made per record as ProducerPerformance makes
 * them (no key, no headers, as ProducerPerformance sends none; see {@link #MAX_IN_FLIGHT} for the arrays). Timed like ProducerPerformance: from the first request of the input (the producer is open) to
 * the last acknowledgement and the producer's close.</li>
 * <li>{@code consumer <bootstrap> <topic> <records> <group> [k=v ...]}: a {@link KafkaSource} reads
 * {@code records} messages. Timed like ConsumerPerformance's {@code fetch.nMsg.sec}: from the moment
 * the group assigned the partitions to the last record received.</li>
 * </ul>
 */
public final class SluiceSide {

    /**
     * The sink's bound (its default) and the number of payload arrays the producer input refills in
     * turn. ProducerPerformance refills one array for every record (its send copies the bytes into a
     * batch before it returns); the sink holds a message from the emission to its send, so each
     * needs its own array, but no more than {@code MAX_IN_FLIGHT} of them: message {@code i} is only
     * requested once {@code i - MAX_IN_FLIGHT + 1} messages were acknowledged, and sends are in order,
     * so message {@code i - MAX_IN_FLIGHT} (the array's previous user) has been sent, i.e. copied.
     * Refilling them is the tool's work per record without a fresh 1 KB of garbage each time (which the
     * tool does not make either); the Message, the record and everything the sink does stay per record.
     */
    static final int MAX_IN_FLIGHT = 10_000;
    /** The producer's {@code k=v} argument that asks for an untimed write first ({@code <topic>:<records>}). */
    static final String WARMUP = "sluice.bench.warmup";

    private SluiceSide() {
    }

    /**
     * @param args see the class doc
     */
    public static void main(String[] args) {
        double rate = switch (args[0]) {
            case "producer" -> produce(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    props(List.of(args).subList(5, args.length)));
            case "consumer" -> consume(args[1], args[2], Integer.parseInt(args[3]), args[4],
                    props(List.of(args).subList(5, args.length)));
            default -> throw new IllegalArgumentException("role: producer or consumer, was " + args[0]);
        };
        System.out.printf("RESULT %.1f%n", rate);
    }

    private static Map<String, String> props(List<String> kv) {
        Map<String, String> m = new HashMap<>();
        for (String s : kv) {
            int eq = s.indexOf('=');
            m.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return m;
    }

    static double produce(String bootstrap, String topic, int n, int size, Map<String, String> props) {
        String warm = props.remove(WARMUP); // <topic>:<records>, the JIT warm-up ToolWarmup gives the tool
        if (warm != null) {
            int colon = warm.lastIndexOf(':');
            write(bootstrap, warm.substring(0, colon), Integer.parseInt(warm.substring(colon + 1)), size, props);
            System.out.println("WARM-UP DONE");
        }
        return write(bootstrap, topic, n, size, props);
    }

    private static double write(String bootstrap, String topic, int n, int size, Map<String, String> props) {
        KafkaSink sink = Transports.kafka().bootstrap(bootstrap).topic(topic).properties(props).name("bench")
                .maxInFlight(MAX_IN_FLIGHT).sink();
        SplittableRandom random = new SplittableRandom(0);
        byte[][] ring = new byte[MAX_IN_FLIGHT][size];
        AtomicLong first = new AtomicLong();
        sink.write(Flux.range(0, n).map(i -> Message.of(generateRandomPayload(ring[i % MAX_IN_FLIGHT], random)))
                .doOnRequest(r -> first.compareAndSet(0, System.nanoTime()))).block(Duration.ofMinutes(10));
        long end = System.nanoTime();
        long ns = end - first.get();
        if (sink.metrics().messages() != n) {
            throw new IllegalStateException("sink acknowledged " + sink.metrics().messages() + " of " + n);
        }
        printWindow(first.get(), end);
        return n / (ns / 1e9);
    }

    /**
     * Fills {@code payload} the way ProducerPerformance fills each record's ({@code --record-size}: a
     * random upper-case letter per byte, drawn for every record; its {@code generateRandomPayload}), so
     * both producers do the same work for their input.
     */
    private static byte[] generateRandomPayload(byte[] payload, SplittableRandom random) {
        for (int j = 0; j < payload.length; ++j) {
            payload[j] = (byte) (random.nextInt(26) + 65);
        }
        return payload;
    }

    static double consume(String bootstrap, String topic, int n, String group, Map<String, String> props) {
        KafkaSource source = Transports.kafka().bootstrap(bootstrap).topics(topic).group(group).properties(props)
                .name("bench").source();
        AtomicLong joined = new AtomicLong();
        AtomicLong last = new AtomicLong();
        Thread watch = new Thread(() -> {
            while (source.assignedPartitions() == 0 && !Thread.currentThread().isInterrupted()) {
                LockSupport.parkNanos(200_000); // 0.2 ms resolution, no core kept busy
            }
            joined.compareAndSet(0, System.nanoTime());
        }, "bench-join-watch");
        watch.setDaemon(true);
        watch.start();
        // per message only a count, like ConsumerPerformance's loop; the clock is read at the n-th
        // (delivered on one thread; block() publishes what it wrote)
        long[] seen = {0, 0};
        Long count = source.flux().take(n).doOnNext(m -> {
            if (++seen[0] == n) {
                seen[1] = System.nanoTime();
            }
        }).count().block(Duration.ofMinutes(10));
        last.set(seen[1]);
        watch.interrupt();
        if (count == null || count != n || joined.get() == 0) {
            throw new IllegalStateException("source received " + count + " of " + n + " (joined: " + joined + ")");
        }
        printWindow(joined.get(), last.get());
        return n / ((last.get() - joined.get()) / 1e9);
    }

    /** Prints the timed window in epoch ms, to cut a timestamped profile to it (profile_window.py). */
    private static void printWindow(long startNanos, long endNanos) {
        long nowMs = System.currentTimeMillis();
        long nowNs = System.nanoTime();
        System.out.printf("WINDOW %d %d%n", nowMs - (nowNs - startNanos) / 1_000_000, nowMs - (nowNs - endNanos) / 1_000_000);
    }
}
