package io.sluice.bench;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * Context for {@link OverflowBenchmark}: its score is ns per <em>produced</em> element, delivered or
 * dropped, and a stage that drops more elements does less work per element. This runs every lossy
 * benchmark of that class, unchanged, outside JMH and reports which share of the produced elements
 * reached the consumer (mean of 10 runs after 5 warm-up runs), so the ns/op figures can be read with
 * it. Not a timing: {@code java -cp benchmarks/target/benchmarks.jar io.sluice.bench.DropShare}.
 */
public final class DropShare {

    private DropShare() {
    }

    /**
     * Prints the delivered share of every lossy benchmark at both consumer speeds.
     *
     * @param args ignored
     * @throws Exception if a benchmark fails
     */
    public static void main(String[] args) throws Exception {
        List<Method> lossy = new ArrayList<>();
        for (Method m : OverflowBenchmark.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Benchmark.class) && !m.getName().startsWith("baseline")) {
                lossy.add(m);
            }
        }
        lossy.sort((a, b) -> a.getName().compareTo(b.getName()));
        System.out.printf("%-36s %14s %14s%n", "benchmark (capacity 1024)", "work=0", "work=100");
        for (Method m : lossy) {
            StringBuilder row = new StringBuilder(String.format("%-36s", m.getName()));
            for (int work : new int[] {0, 100}) {
                OverflowBenchmark d = new OverflowBenchmark();
                d.capacity = 1024;
                d.work = work;
                d.setup();
                try {
                    double[] shares = new double[10];
                    for (int run = -5; run < shares.length; run++) {
                        d.delivered = 0;
                        m.invoke(d);
                        if (run >= 0) {
                            shares[run] = 100.0 * d.delivered / OverflowBenchmark.N;
                        }
                    }
                    row.append(String.format(" %13.1f%%", Arrays.stream(shares).average().orElse(Double.NaN)));
                } finally {
                    d.tearDown();
                }
            }
            System.out.println(row);
        }
        System.exit(0);
    }
}
