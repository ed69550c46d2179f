package io.sluice.bench.transport;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The transport table: every Sluice transport x the talk's four sizes x sequential/parallel,
 * timed at the receiver, beside raw-library baselines and iperf3's loopback limit. A dedicated
 * harness rather than JMH: the quantity is a receiver-side rate across a network hop, and each
 * cell needs a server, several concurrent client connections and a quiet-period wait for lost
 * datagrams, none of which fit JMH's "time one call on the benchmark thread" model.
 * See benchmarks/README.md.
 */
@Command(name = "transport-bench", mixinStandardHelpOptions = true,
        description = "Sluice transport benchmark (receiver-side ns per message).")
public final class TransportBench implements Callable<Integer> {

    @Option(names = "--smoke", description = "One short iteration of two transports (CI), or of the --only ones.")
    boolean smoke;

    @Option(names = "--only", description = "Regex on transport names (e.g. TCP_.*|RAW_NETTY_TCP).")
    String only = ".*";

    @Option(names = "--sizes", split = ",", description = "Sizes to run (of 18,4266,6786,79435).")
    int[] sizes = Talk.SIZES.clone();

    @Option(names = "--senders", description = "Concurrent senders in the parallel rows (default ${DEFAULT-VALUE}).")
    int senders = 4;

    @Option(names = "--warmups", description = "Warm-up iterations per cell (default ${DEFAULT-VALUE}).")
    int warmups = 2;

    @Option(names = "--warmup-seconds", description = "Minimum warm-up time per cell (default ${DEFAULT-VALUE}).")
    double warmupSeconds = 3;

    @Option(names = "--iterations", description = "Measured iterations per cell (default ${DEFAULT-VALUE}).")
    int iterations = 5;

    @Option(names = "--seconds", description = "Target length of one iteration (default ${DEFAULT-VALUE}).")
    double seconds = 0.4;

    @Option(names = "--iperf-seconds", description = "iperf3 run length; 0 skips it (default ${DEFAULT-VALUE}).")
    int iperfSeconds = 5;

    @Option(names = "--sequential-only", description = "Skip the parallel rows.")
    boolean sequentialOnly;

    @Option(names = "--out", description = "Directory for the .json/.md/.png (default ${DEFAULT-VALUE}).")
    Path out = Path.of("results");

    @Option(names = "--stem", description = "File name stem of the outputs (default: transports-<UTC time>).")
    String stem;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        List<Transport> transports = new ArrayList<>();
        Pattern p = Pattern.compile(smoke && ".*".equals(only) ? "TCP_LENGTH|WEBSOCKET" : only);
        for (Transport t : Transport.values()) {
            if (p.matcher(t.name()).matches()) {
                transports.add(t);
            }
        }
        Runner runner = smoke ? new Runner(senders, 1, 0, 1, 0.05, 200, 20_000)
                : new Runner(senders, warmups, warmupSeconds, iterations, seconds, 2_000, 2_000_000);
        String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm").withZone(ZoneOffset.UTC).format(Instant.now());
        String header = String.format("Run %s UTC on %d cores, %s %s; %d senders in parallel rows; %s.", stamp,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), senders,
                smoke ? "smoke mode (1 short iteration, not a measurement)"
                        : "warm-up >= " + warmupSeconds + " s and >= " + warmups + " iterations, then " + iterations
                        + " iterations of ~" + seconds + " s per cell");
        System.out.println(header);
        double iperf = -1;
        if (!smoke && iperfSeconds > 0) {
            iperf = Iperf.bytesPerSecond(iperfSeconds);
            System.out.printf("iperf3 loopback: %.2f GB/s%n", iperf / 1e9);
        }
        List<Cell> cells = new ArrayList<>();
        for (Transport t : transports) {
            for (int s = 0; s < Talk.SIZES.length; s++) {
                int size = Talk.SIZES[s];
                if (size > t.maxSize || Arrays.stream(sizes).noneMatch(x -> x == size)) {
                    continue;
                }
                for (boolean parallel : smoke || sequentialOnly ? new boolean[] {false} : new boolean[] {false, true}) {
                    Cell c = runner.run(t, s, parallel);
                    cells.add(c);
                    System.out.println(c);
                }
            }
        }
        String elapsed = String.format("Wall time of the whole run: %.1f min.", (System.nanoTime() - started) / 60e9);
        System.out.println(elapsed);
        Report report = new Report(cells, iperf, header + " " + elapsed);
        if (stem == null) {
            stem = (smoke ? "smoke-" : "transports-") + stamp;
        }
        report.write(out, stem);
        if (!smoke) {
            System.out.println();
            System.out.println(report.targets());
        }
        System.out.println("wrote " + out.resolve(stem + ".{json,md,png}"));
        long failed = cells.stream().filter(c -> !c.ok()).count();
        if (failed > 0) {
            System.out.println(failed + " cell(s) failed");
        }
        return failed == 0 ? 0 : 1;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new TransportBench()).execute(args);
        // transports leave non-daemon event-loop threads behind only until disposed; exit explicitly
        System.exit(code);
    }
}
