package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process appends with {@code fsync: always} and prints the ids it was told are durable;
 * it is killed with SIGKILL mid-stream; the log reopened in this JVM holds every one of them.
 */
class ProcessKillTest {

    @TempDir
    Path dir;

    @TempDir
    Path childLogs;

    @Test
    void everyAcknowledgedAppendSurvivesSigkill() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KillTarget.class.getName(), dir.toString());
        pb.redirectError(ProcessBuilder.Redirect.to(childLogs.resolve("kill-target.err").toFile()));
        Process p = pb.start();
        Set<Long> acked = new HashSet<>();
        long last = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    last = Long.parseLong(line.substring(4));
                    acked.add(last);
                }
                if (acked.size() >= 300 || System.nanoTime() > deadline) {
                    // SIGKILL on Linux: no shutdown hook, no close, no final fsync. Through the handle, so
                    // (unlike Process.destroyForcibly) the pipe stays open and what was printed can be read.
                    p.toHandle().destroyForcibly();
                    break;
                }
            }
            // everything the child printed before it died is an acknowledgement too
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acked.add(Long.parseLong(line.substring(4)));
                }
            }
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acked).as("the child acknowledged appends before it was killed").hasSizeGreaterThanOrEqualTo(100);
        Set<Long> found = new HashSet<>();
        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(Format.DEFAULT_BLOCK, 64 * 1024, 1L << 30, Fsync.ALWAYS), stats);
             LogCursor c = log.cursor()) {
            assertThat(stats.startupIssues.get()).isZero();
            for (RecordCodec.Entry e = c.next(); e != null; e = c.next()) {
                long id = Long.parseLong(e.message().payloadUtf8());
                assertThat(id).as("offset and id agree").isEqualTo(e.offset());
                found.add(id);
            }
        }
        assertThat(found).as("every acknowledged id after SIGKILL").containsAll(acked);
        assertThat(stats.corrupt.get()).isZero();
    }
}
