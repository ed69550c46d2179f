package io.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The demo's accounting holds on a busy machine: its pipelines run several times back to back
 * (short runs) with CPU hog threads beside them, and every run adds up, with no stack trace in its
 * output. (scripts/demo-soak.sh does the same with the CLI, 20 runs.)
 */
class DemoUnderContentionTest {

    @Test
    void everyRunAddsUpWithCpuHogsBeside() throws Exception {
        AtomicBoolean hogging = new AtomicBoolean(true);
        List<Thread> hogs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (hogging.get()) {
                    x = x * 31 + 7;
                }
                if (x == 42) {
                    System.out.println(x);
                }
            }, "cpu-hog-" + i);
            t.setDaemon(true);
            t.start();
            hogs.add(t);
        }
        try {
            for (int run = 1; run <= 3; run++) {
                StringWriter text = new StringWriter();
                List<GatewayDemo.Row> rows = GatewayDemo.run(Duration.ofSeconds(2), new PrintWriter(text, true), false, -1);
                assertThat(rows).as("run %d:%n%s", run, text).isNotEmpty().allMatch(GatewayDemo.Row::addsUp);
                assertThat(text.toString()).as("run %d output", run).doesNotContain("Exception").doesNotContain("\tat ");
            }
        } finally {
            hogging.set(false);
            for (Thread t : hogs) {
                t.join(5_000);
            }
        }
    }
}
