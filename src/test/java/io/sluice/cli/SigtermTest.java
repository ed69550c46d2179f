package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real {@code sluice run} process receives SIGTERM: it drains, prints the summary and exits 0. */
class SigtermTest {

    @TempDir
    Path tmp;

    @Test
    void sigtermDrainsPrintsTheSummaryAndExitsZero() throws Exception {
        Path out = tmp.resolve("out.txt");
        Path config = Files.writeString(tmp.resolve("gw.yaml"), "drainTimeout: 5s\n"
                + "pipelines:\n"
                + "  - name: ticks\n"
                + "    source: {type: generator, count: 1000000, size: 8, interval: 5ms}\n"
                + "    overflow: {policy: block, capacity: 16}\n"
                + "    sink: {type: file, path: '" + out + "', flushInterval: 50ms}\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                SluiceCli.class.getName(), "run", config.toString()))
                .redirectError(tmp.resolve("stderr.txt").toFile())
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && (!Files.exists(out) || Files.size(out) == 0)) {
                assertThat(p.isAlive()).as("sluice run exited early: %s", read(tmp.resolve("stderr.txt"))).isTrue();
                Thread.sleep(50);
            }
            assertThat(Files.size(out)).isPositive();

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

            String stdout = read(tmp.resolve("stdout.txt"));
            assertThat(p.exitValue()).as(stdout + read(tmp.resolve("stderr.txt"))).isZero();
            // pipeline, policy, received, delivered, dropped, filtered, cancelled, adds up, outcome
            Matcher row = Pattern.compile("(?m)^ticks\\s+block\\s+([\\d,]+)\\s+([\\d,]+)"
                    + "\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+yes\\s+STOPPED$").matcher(stdout);
            assertThat(row.find()).as(stdout).isTrue();
            long lines = Files.readAllLines(out).size();
            assertThat(lines).isPositive();
            assertThat(number(row.group(2))).as("delivered = lines in the file").isEqualTo(lines);
            assertThat(number(row.group(1))).as("received: block loses nothing").isEqualTo(lines);
            assertThat(number(row.group(3))).as("dropped").isZero();
            assertThat(number(row.group(5))).as("cancelled").isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static long number(String formatted) {
        return Long.parseLong(formatted.replace(",", ""));
    }

    private static String read(Path p) throws java.io.IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

}
