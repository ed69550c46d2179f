package io.sluice.bench.kafka;

import io.sluice.Message;
import io.sluice.transport.Transports;
import io.sluice.transport.kafka.KafkaSink;
import io.sluice.transport.kafka.KafkaSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;

/**
 * {@code KafkaSink} against {@code org.apache.kafka.tools.ProducerPerformance} and {@code KafkaSource}
 * against {@code org.apache.kafka.tools.ConsumerPerformance}, on one broker, in one run: each record
 * size, each side, the same count, {@code acks=all} and the same producer batch settings for both.
 * Kafka's tools run as child JVMs on this harness's class path.
 *
 * <p>Timing: ProducerPerformance reports records over the time from its first send to its last
 * acknowledgement; the Sluice producer cell is timed the same way (first request of the input to the
 * last acknowledgement, producer creation excluded). ConsumerPerformance's {@code fetch.nMsg.sec}
 * excludes joining the group; the Sluice consumer cell is timed from the first record received to the
 * last (receiver side).
 *
 * <p>Options: {@code --records N} (default 1,000,000; cells of 1,000 B or more use a quarter
 * of it), {@code --sizes 100,1024}, {@code --bootstrap host:port} (an existing broker; default: an
 * in-process KRaft broker), {@code --partitions P} (default 1), {@code --out dir}, {@code --smoke} (20,000
 * records, checks that every cell runs).
 */
public final class KafkaBench {

    private KafkaBench() {
    }

    /** One measured cell. */
    record Cell(int size, String side, double sluice, double kafka) {
        double ratio() {
            return sluice / kafka;
        }
    }

    /**
     * @param args see the class doc
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        boolean smoke = o.containsKey("smoke");
        int records = Integer.parseInt(o.getOrDefault("records", smoke ? "20000" : "1000000"));
        int partitions = Integer.parseInt(o.getOrDefault("partitions", "1"));
        Path out = Path.of(o.getOrDefault("out", "results"));
        List<Integer> sizes = new ArrayList<>();
        for (String s : o.getOrDefault("sizes", "100,1024").split(",")) {
            sizes.add(Integer.parseInt(s.trim()));
        }
        Map<String, String> producerProps = Map.of("acks", "all", "linger.ms", "5", "batch.size", "65536");
        try (Broker broker = o.containsKey("bootstrap") ? Broker.external(o.get("bootstrap")) : Broker.inProcess()) {
            List<Cell> cells = new ArrayList<>();
            for (int size : sizes) {
                int n = size >= 1000 ? Math.max(1, records / 4) : records;
                String mine = "sluice-" + size + "-" + System.nanoTime();
                String theirs = "tool-" + size + "-" + System.nanoTime();
                broker.createTopic(mine, partitions);
                broker.createTopic(theirs, partitions);
                double sinkRate = sluiceProducer(broker.bootstrap(), mine, n, size, producerProps);
                double toolProducer = ProducerTool.run(broker.bootstrap(), theirs, n, size, producerProps);
                cells.add(new Cell(size, "producer", sinkRate, toolProducer));
                double sourceRate = sluiceConsumer(broker.bootstrap(), mine, n);
                double toolConsumer = ConsumerTool.run(broker.bootstrap(), theirs, n);
                cells.add(new Cell(size, "consumer", sourceRate, toolConsumer));
                System.out.printf("%6d B  producer: sluice %,.0f/s  kafka %,.0f/s   consumer: sluice %,.0f/s  kafka %,.0f/s%n",
                        size, sinkRate, toolProducer, sourceRate, toolConsumer);
            }
            report(cells, records, partitions, smoke, out);
        }
    }

    static double sluiceProducer(String bootstrap, String topic, int n, int size, Map<String, String> props) {
        KafkaSink sink = Transports.kafka().bootstrap(bootstrap).topic(topic).maxInFlight(100_000).properties(props)
                .name("bench").sink();
        byte[] payload = new byte[size];
        AtomicLong first = new AtomicLong();
        sink.write(Flux.range(0, n).map(i -> Message.of(payload))
                .doOnRequest(r -> first.compareAndSet(0, System.nanoTime()))).block(Duration.ofMinutes(10));
        long ns = System.nanoTime() - first.get();
        if (sink.metrics().messages() != n) {
            throw new IllegalStateException("sink acknowledged " + sink.metrics().messages() + " of " + n);
        }
        return n / (ns / 1e9);
    }

    static double sluiceConsumer(String bootstrap, String topic, int n) {
        KafkaSource source = Transports.kafka().bootstrap(bootstrap).topics(topic).group("bench-" + topic)
                .name("bench").source();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        Long count = source.flux().take(n).doOnNext(m -> {
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            last.set(now);
        }).count().block(Duration.ofMinutes(10));
        if (count == null || count != n) {
            throw new IllegalStateException("source received " + count + " of " + n);
        }
        return (n - 1) / ((last.get() - first.get()) / 1e9);
    }

    static String runTool(List<String> command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder text = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                text.append(line).append('\n');
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(command.get(0) + " failed:\n" + text);
        }
        return text.toString();
    }

    private static void report(List<Cell> cells, int records, int partitions, boolean smoke, Path out) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Kafka: Sluice vs Kafka's perf tools\n\n").append(Instant.now()).append(", ")
                .append(records).append(" records at 100 B (a quarter at 1 KB), ").append(partitions)
                .append(" partition(s), acks=all, linger.ms=5, batch.size=65536")
                .append(smoke ? " -- SMOKE RUN, not a measurement" : "").append("\n\n")
                .append("| size | side | Sluice msg/s | Kafka tool msg/s | ratio | target 0.9x |\n|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            md.append(String.format("| %d B | %s | %,.0f | %,.0f | %.2f | %s |%n", c.size(), c.side(), c.sluice(),
                    c.kafka(), c.ratio(), c.ratio() >= 0.9 ? "met" : "missed"));
        }
        System.out.print(md);
        Files.createDirectories(out);
        String stem = (smoke ? "kafka-smoke-" : "kafka-") + Instant.now().toString().replace(':', '-');
        Files.writeString(out.resolve(stem + ".md"), md);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            if (a.equals("--smoke")) {
                o.put("smoke", "true");
            } else if (i + 1 < args.length) {
                o.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException(a + " needs a value");
            }
        }
        return o;
    }
}
