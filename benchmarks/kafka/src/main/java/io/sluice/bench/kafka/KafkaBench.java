package io.sluice.bench.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code KafkaSink} against {@code org.apache.kafka.tools.ProducerPerformance} and {@code KafkaSource}
 * against {@code org.apache.kafka.tools.ConsumerPerformance}, on one broker, in one run.
 *
 * <p>Fairness: every client (Sluice's and Kafka's) runs in its own child JVM with the same options
 * ({@link Jvm#OPTIONS}); the broker runs in this JVM (or is external). Both producers get the same
 * record count, size, {@code acks=all} and batch settings, no key and no headers; both consumers read
 * the same topic (the one ProducerPerformance filled in that round) with their own group and the settings
 * ConsumerPerformance uses ({@link #CONSUMER_PROPS} over the client defaults, {@code max.poll.records=500}). Per record size: one warm-up round (a quarter of the records,
 * not reported: broker, page cache), then {@code --rounds} rounds whose order alternates (Sluice first in
 * even rounds, Kafka's tool first in odd ones) so load from other processes hits both sides alike. The
 * report gives each side's median and every round's figures with the load average before it.
 *
 * <p>Timing: see {@link SluiceSide} (the same start and end points as the tools: the producer from its
 * first send to its close, the consumer from partition assignment to the last record).
 *
 * <p>Options: {@code --records N} (default 1,000,000; cells of 1,000 B or more use a quarter of it),
 * {@code --sizes 100,1024}, {@code --rounds R} (default 3), {@code --bootstrap host:port} (an existing
 * broker; default: an in-process KRaft broker), {@code --partitions P} (default 1), {@code --out dir},
 * {@code --base-classes DIR} (another build's compiled Sluice classes, e.g. main's: a third contender in
 * every round, on the same topics, in rotated order, reported as the "base" rows and a Sluice/base ratio),
 * {@code --sides consumer} (only the consumer cells: the Sluice producer is not run, Kafka's tool still
 * fills the topic), {@code --sides producer} (only the producer cells), {@code --client-warmup N} (each
 * producer JVM, Sluice's and ProducerPerformance alike ({@link ToolWarmup}), first writes N records to a topic of
 * its own, untimed: JIT warm-up inside the measured JVM; off by default), {@code --smoke} (20,000 records, one round: checks that every cell runs, measures nothing).
 */
public final class KafkaBench {

    /** The batch settings both producers use. */
    static final Map<String, String> PRODUCER_PROPS = Map.of("acks", "all", "linger.ms", "5", "batch.size", "65536");
    /** What ConsumerPerformance sets on its consumer by default (its --socket-buffer-size, --fetch-size, no CRC check): the Sluice consumer gets the same. */
    static final Map<String, String> CONSUMER_PROPS = Map.of("receive.buffer.bytes", "2097152",
            "max.partition.fetch.bytes", "1048576", "check.crcs", "false");

    private final List<String> raw = new ArrayList<>();
    /** The base build's Sluice classes, or null. */
    private final String baseClasses;

    /** Records each producer JVM writes before its timed run ({@code --client-warmup}), 0 for none. */
    private final int clientWarmup;

    private KafkaBench(String baseClasses, int clientWarmup) {
        this.baseClasses = baseClasses;
        this.clientWarmup = clientWarmup;
    }

    /** One cell's figures, round by round. */
    record Cell(int size, String side, double[] sluice, double[] kafka) {
        double ratio() {
            return median(sluice) / median(kafka);
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
        int rounds = Integer.parseInt(o.getOrDefault("rounds", smoke ? "1" : "3"));
        int partitions = Integer.parseInt(o.getOrDefault("partitions", "1"));
        boolean producers = !o.getOrDefault("sides", "both").equals("consumer");
        boolean consumers = !o.getOrDefault("sides", "both").equals("producer");
        Path out = Path.of(o.getOrDefault("out", "results"));
        List<Integer> sizes = new ArrayList<>();
        for (String s : o.getOrDefault("sizes", "100,1024").split(",")) {
            sizes.add(Integer.parseInt(s.trim()));
        }
        String started = load();
        KafkaBench bench = new KafkaBench(o.get("base-classes"), Integer.parseInt(o.getOrDefault("client-warmup", "0")));
        List<Cell> cells = new ArrayList<>();
        try (Broker broker = o.containsKey("bootstrap") ? Broker.external(o.get("bootstrap")) : Broker.inProcess()) {
            for (int size : sizes) {
                int n = size >= 1000 ? Math.max(1, records / 4) : records;
                if (!smoke) {
                    bench.round(broker, size, Math.max(1, n / 4), partitions, -1, producers, consumers);
                }
                double[][] r = new double[6][rounds];
                for (int i = 0; i < rounds; i++) {
                    double[] x = bench.round(broker, size, n, partitions, i, producers, consumers);
                    for (int k = 0; k < 6; k++) {
                        r[k][i] = x[k];
                    }
                }
                if (producers) {
                    cells.add(new Cell(size, "producer", r[0], r[1]));
                    if (bench.baseClasses != null) {
                        cells.add(new Cell(size, "producer, base build", r[4], r[1]));
                    }
                }
                if (consumers) {
                    cells.add(new Cell(size, "consumer", r[2], r[3]));
                    if (bench.baseClasses != null) {
                        cells.add(new Cell(size, "consumer, base build", r[5], r[3]));
                    }
                }
            }
        }
        bench.report(cells, records, rounds, partitions, smoke, out, started, load());
    }

    /**
     * One round at one size: both producers, then both consumers on the topic Kafka's tool filled.
     *
     * @param round -1 for the warm-up; the order of the contenders (Sluice, the base build if any, Kafka's
     *        tool) rotates by one each round
     * @param producers whether the Sluice producers run (Kafka's tool always does: its topic is the one read)
     * @param consumers whether the consumers run
     * @return Sluice producer, Kafka producer, Sluice consumer, Kafka consumer, base producer, base consumer
     *         (records/s; 0 for what did not run)
     */
    private double[] round(Broker broker, int size, int n, int partitions, int round, boolean producers,
            boolean consumers) throws Exception {
        String tag = size + "-" + (round < 0 ? "warmup" : "r" + round) + "-" + System.nanoTime();
        String mine = "sluice-" + tag;
        String theirs = "tool-" + tag;
        broker.createTopic(mine, partitions);
        broker.createTopic(theirs, partitions);
        List<String> order = new ArrayList<>(baseClasses == null ? List.of("sluice", "kafka")
                : List.of("sluice", "base", "kafka"));
        java.util.Collections.rotate(order, -Math.max(0, round));
        double[] x = new double[6];
        for (String who : order) {
            switch (who) {
                case "sluice" -> {
                    if (producers) {
                        x[0] = timed(round, size, "sluice producer", () -> sluice("producer", broker.bootstrap(), mine,
                                n, size, null, warmTopic(broker, mine, partitions)));
                    }
                }
                case "base" -> {
                    if (producers) {
                        broker.createTopic("base-" + tag, partitions);
                        x[4] = timed(round, size, "base producer", () -> sluice("producer", broker.bootstrap(),
                                "base-" + tag, n, size, baseClasses, warmTopic(broker, "base-" + tag, partitions)));
                    }
                }
                default -> x[1] = timed(round, size, "kafka producer", () -> ProducerTool.run(broker.bootstrap(), theirs,
                        n, size, PRODUCER_PROPS, warmTopic(broker, theirs, partitions), clientWarmup));
            }
        }
        for (String who : consumers ? order : List.<String>of()) {
            switch (who) {
                case "sluice" -> x[2] = timed(round, size, "sluice consumer", () -> sluice("consumer",
                        broker.bootstrap(), theirs, n, "sluice-" + tag, null, null));
                case "base" -> x[5] = timed(round, size, "base consumer", () -> sluice("consumer", broker.bootstrap(),
                        theirs, n, "base-" + tag, baseClasses, null));
                default -> x[3] = timed(round, size, "kafka consumer", () -> ConsumerTool.run(broker.bootstrap(), theirs,
                        n, "tool-" + tag));
            }
        }
        return x;
    }

    private interface Measure {
        double run() throws Exception;
    }

    private double timed(int round, int size, String what, Measure m) throws Exception {
        String before = load();
        double rate = m.run();
        String line = String.format("%-6s %5d B  %-16s %,12.0f rec/s   load before: %s",
                round < 0 ? "warmup" : "r" + round, size, what, rate, before);
        System.out.println(line);
        raw.add(line);
        return rate;
    }

    /** @return with {@code --client-warmup}: a new topic for a producer's untimed first write; else null */
    private String warmTopic(Broker broker, String topic, int partitions) throws Exception {
        if (clientWarmup <= 0) {
            return null;
        }
        broker.createTopic("jit-" + topic, partitions);
        return "jit-" + topic;
    }

    /**
     * @param classes another build's Sluice classes instead of this one's, or null
     * @param warmTopic a producer's warm-up topic ({@link #warmTopic}), or null
     */
    private double sluice(String role, String bootstrap, String topic, int n, Object last, String classes,
            String warmTopic) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SluiceSide.class.getName(), role, bootstrap, topic,
                Integer.toString(n)));
        if (role.equals("producer")) {
            cmd.add(last.toString());
            PRODUCER_PROPS.forEach((k, v) -> cmd.add(k + "=" + v));
            if (warmTopic != null) {
                cmd.add(SluiceSide.WARMUP + "=" + warmTopic + ":" + clientWarmup);
            }
        } else {
            cmd.add(last.toString());
            CONSUMER_PROPS.forEach((k, v) -> cmd.add(k + "=" + v));
        }
        String out = Jvm.run((classes == null ? "sluice-" : "base-") + role + "-" + topic, cmd, classes);
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                return Double.parseDouble(line.substring(7).trim());
            }
        }
        throw new IllegalStateException("no RESULT from the Sluice " + role + ":\n" + out);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** @return the 1, 5 and 15 minute load averages (as {@code uptime} prints them) */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void report(List<Cell> cells, int records, int rounds, int partitions, boolean smoke, Path out,
            String loadStart, String loadEnd) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Kafka: Sluice vs Kafka's perf tools\n\n").append(Instant.now()).append(", ")
                .append(records).append(" records at 100 B (a quarter at 1 KB), ").append(partitions)
                .append(" partition(s), acks=all, linger.ms=5, batch.size=65536, ").append(rounds)
                .append(" alternating rounds after a warm-up; medians")
                .append(clientWarmup > 0 ? "; every producer JVM (both sides) first wrote " + clientWarmup
                        + " records untimed (--client-warmup)" : "")
                .append(smoke ? " -- SMOKE RUN, not a measurement" : "").append("\n\n")
                .append("Load average (1/5/15 min) at start: ").append(loadStart).append("; at end: ").append(loadEnd)
                .append(" (2 cores).\n\n")
                .append("| size | side | Sluice msg/s | Kafka tool msg/s | ratio | target 0.9x | Sluice / Kafka per round |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            StringBuilder per = new StringBuilder();
            for (int i = 0; i < c.sluice().length; i++) {
                per.append(i == 0 ? "" : "; ").append(String.format("%,.0f / %,.0f", c.sluice()[i], c.kafka()[i]));
            }
            md.append(String.format("| %d B | %s | %,.0f | %,.0f | %.2f | %s | %s |%n", c.size(), c.side(),
                    median(c.sluice()), median(c.kafka()), c.ratio(), c.ratio() >= 0.9 ? "met" : "missed", per));
        }
        if (baseClasses != null) {
            md.append("\nBase build: ").append(baseClasses).append(". This build / base, per round (same topic, same round):\n\n");
            for (Cell c : cells) {
                if (c.side().endsWith("base build")) {
                    continue;
                }
                for (Cell b : cells) {
                    if (b.size() == c.size() && b.side().equals(c.side() + ", base build")) {
                        double[] q = new double[c.sluice().length];
                        StringBuilder per = new StringBuilder();
                        for (int i = 0; i < q.length; i++) {
                            q[i] = c.sluice()[i] / b.sluice()[i];
                            per.append(i == 0 ? "" : ", ").append(String.format("%.2f", q[i]));
                        }
                        md.append(String.format("- %d B %s: median %.2f (%s)%n", c.size(), c.side(), median(q), per));
                    }
                }
            }
        }
        md.append("\nEvery run, in order:\n\n```\n");
        raw.forEach(l -> md.append(l).append('\n'));
        md.append("```\n");
        System.out.print(md);
        Files.createDirectories(out);
        String stem = (smoke ? "kafka-smoke-" : "kafka-")
                + DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm").withZone(ZoneOffset.UTC).format(Instant.now());
        Files.writeString(out.resolve(stem + ".md"), md);
        System.out.println("written: " + out.resolve(stem + ".md"));
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
