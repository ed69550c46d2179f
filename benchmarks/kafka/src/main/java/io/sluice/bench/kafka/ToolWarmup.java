package io.sluice.bench.kafka;

import java.util.Arrays;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * ProducerPerformance run twice in one JVM ({@code --client-warmup}): first {@code warm-up records} on
 * {@code warm-up topic} (its JIT warm-up, not reported), then the given arguments (the timed run, whose
 * summary is the one read). The Sluice producer gets the same ({@link SluiceSide}).
 *
 * <p>Arguments: {@code <warm-up topic> <warm-up records> <ProducerPerformance arguments...>}.
 */
public final class ToolWarmup {

    private ToolWarmup() {
    }

    /**
     * @param args see the class doc
     * @throws Exception as ProducerPerformance throws it
     */
    public static void main(String[] args) throws Exception {
        String[] timed = Arrays.copyOfRange(args, 2, args.length);
        String[] warm = timed.clone();
        for (int i = 0; i + 1 < warm.length; i++) {
            if (warm[i].equals("--topic")) {
                warm[i + 1] = args[0];
            } else if (warm[i].equals("--num-records")) {
                warm[i + 1] = args[1];
            }
        }
        ProducerPerformance.main(warm);
        System.out.println("WARM-UP DONE");
        ProducerPerformance.main(timed);
    }
}
