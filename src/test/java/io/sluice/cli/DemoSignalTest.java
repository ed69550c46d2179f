package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real {@code sluice demo} process gets SIGTERM or SIGINT (Ctrl-C) while it runs: it stops the
 * load, drains, prints the summary and exits 0.
 */
class DemoSignalTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void signalStopsTheDemoWhichPrintsItsSummaryAndExitsZero(String signal) throws Exception {
        Path stdoutFile = tmp.resolve("stdout.txt");
        Path stderrFile = tmp.resolve("stderr.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        // A shell that started this JVM in the background may have left SIGINT ignored, and an
        // ignored SIGINT stays ignored in every child; perl restores the default before exec-ing
        // the JVM (same pid), so the JVM installs its Ctrl-C handler.
        if (Files.isExecutable(Path.of("/usr/bin/perl"))) {
            command.addAll(List.of("/usr/bin/perl", "-e",
                    "$SIG{INT} = 'DEFAULT'; $SIG{TERM} = 'DEFAULT'; exec @ARGV or die \"exec: $!\""));
        }
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), SluiceCli.class.getName(),
                "demo", "--seconds", "120"));
        Process p = new ProcessBuilder(command).redirectError(stderrFile.toFile())
                .redirectOutput(stdoutFile.toFile()).start();
        try {
            // wait (bounded) for the first frame of the live view with traffic in it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && !read(stdoutFile).contains("ws-chat")) {
                assertThat(p.isAlive()).as("sluice demo exited early: %s", read(stderrFile)).isTrue();
                Thread.sleep(100);
            }
            assertThat(read(stdoutFile)).as(read(stderrFile)).contains("msg/s").doesNotContain("adds up");

            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("demo ended after SIG%s", signal).isTrue();

            String stdout = read(stdoutFile);
            assertThat(p.exitValue()).as(stdout + read(stderrFile)).isZero();
            assertThat(stdout).contains("stopping: draining every pipeline").contains("adds up");
            for (String pipeline : List.of("tcp-telemetry", "udp-metrics", "http-logs", "ws-chat")) {
                // pipeline, policy, sent, received, lost, unseen, delivered, dropped, cancelled, buffered (8 numbers), adds up, outcome
                assertThat(stdout).as(pipeline).containsPattern("(?m)^" + pipeline
                        + "\\s+[a-z-]+(\\s+-?[\\d,]+){8}\\s+yes\\s+STOPPED$");
            }
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(Path p) throws java.io.IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
