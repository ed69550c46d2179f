package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
            assertThat(stdout).containsPattern("ticks\\s+block").contains("STOPPED").contains("yes");
            long lines = Files.readAllLines(out).size();
            assertThat(stdout).contains(String.format("%,d", lines));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(Path p) throws java.io.IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

}
