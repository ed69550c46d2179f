package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.overflow.PriorityBuffer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Snapshots of the {@code priority-queue} sink through the real command line: {@code sluice run}
 * ({@code SluiceCli run FILE}) in its own JVM with a {@code resp} source feeding a {@code priority-queue}
 * sink, driven by Jedis.
 * <ul>
 *   <li>SIGTERM ({@link Process#destroy()}) writes the snapshot on stop; a restart serves the same
 *       {@code NEXT} sequence.</li>
 *   <li>SIGKILL ({@link Process#toHandle()}{@code .destroyForcibly()}): a restart serves exactly the
 *       last periodic snapshot: every item it held, in its order, and nothing that was not sent; what
 *       arrived after it (at most one {@code snapshotInterval} of updates) may be lost.</li>
 *   <li>A corrupt snapshot: the run fails with a non-zero exit and the reason; with
 *       {@code startEmptyOnCorruptSnapshot: true} it starts empty and keeps the file aside.</li>
 * </ul>
 */
class SnapshotProcessTest {

    private static final long START_SECONDS = 60;

    @TempDir
    Path dir;

    /** One {@code sluice run} process on fresh ephemeral ports of 127.0.0.1. */
    private final class Gateway implements AutoCloseable {
        final Process process;
        final int producerPort;
        final int workerPort;
        final Path stdout;
        final Path stderr;

        Gateway(String name, Path snapshot, String snapshotInterval, boolean startEmpty) throws IOException {
            producerPort = freePort();
            workerPort = freePort();
            stdout = dir.resolve(name + ".out");
            stderr = dir.resolve(name + ".err");
            Path config = Files.writeString(dir.resolve(name + ".yaml"), "drainTimeout: 10s\n"
                    + "pipelines:\n"
                    + "  - name: jobs\n"
                    + "    source: {type: resp, host: 127.0.0.1, port: " + producerPort + "}\n"
                    + "    sink: {type: priority-queue, host: 127.0.0.1, port: " + workerPort + ", capacity: 1000,\n"
                    + "           snapshot: '" + snapshot + "', snapshotInterval: " + snapshotInterval
                    + (startEmpty ? ", startEmptyOnCorruptSnapshot: true" : "") + "}\n");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), "io.sluice.cli.SluiceCli", "run", config.toString()))
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        }

        /** Waits until both endpoints answer PING (bounded), failing early if the process exits. */
        Gateway awaitReady() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
            for (int port : new int[] {producerPort, workerPort}) {
                while (true) {
                    assertThat(process.isAlive()).as("sluice run exited early: %s", output()).isTrue();
                    try (Jedis j = new Jedis("127.0.0.1", port)) {
                        if ("PONG".equals(j.ping())) {
                            break;
                        }
                    } catch (RuntimeException notYet) {
                        assertThat(System.nanoTime()).as("port %d not answering: %s", port, output())
                                .isLessThan(deadline);
                        Thread.sleep(100);
                    }
                }
            }
            return this;
        }

        Jedis producer() {
            return new Jedis("127.0.0.1", producerPort);
        }

        Jedis worker() {
            return new Jedis("127.0.0.1", workerPort);
        }

        /** SIGTERM, then a bounded wait for the exit; returns the exit code. */
        int terminate() throws Exception {
            process.destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exit after SIGTERM: %s", output()).isTrue();
            return process.exitValue();
        }

        /** SIGKILL: no shutdown hook, no final snapshot. */
        void kill() throws Exception {
            process.toHandle().destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        String output() throws IOException {
            return read(stdout) + read(stderr);
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void sigtermThenRestartServesTheSameNextSequence() throws Exception {
        Path snapshot = dir.resolve("jobs.snap");
        List<String> expected;
        // an interval far longer than the test: the snapshot the restart loads is the one written on stop
        try (Gateway first = new Gateway("first", snapshot, "1h", false).awaitReady();
                Jedis prod = first.producer(); Jedis w = first.worker()) {
            String[][] updates = {{"email:1", "5"}, {"report:7", "50"}, {"thumb:3", "1"}, {"email:2", "5"},
                {"thumb:4", "1"}, {"email:1", "40"}, {"urgent", "1000"}, {"é-ü", "-3"}, {"gone", "2000"}};
            for (String[] u : updates) {
                assertThat(RedisCli.send(prod, "UPDATE", u[0], u[1])).isEqualTo("OK");
            }
            awaitInfo(w, "received", updates.length);
            // taken before the stop: must not come back
            assertThat(RedisCli.send(w, "NEXT")).isEqualTo("gone");
            // email:1 rose to 45; ties (email:2 / thumb:3, thumb:4) keep their arrival order
            expected = List.of("urgent", "report:7", "email:1", "email:2", "thumb:3", "thumb:4", "é-ü");
            assertThat(RedisCli.send(w, "PEEK", "email:1")).isEqualTo(45L);
            assertThat(Files.exists(snapshot)).as("no snapshot before the stop (interval 1h)").isFalse();

            assertThat(first.terminate()).as(first.output()).isZero();
        }
        assertThat(Snapshots.read(snapshot)).extracting(PriorityBuffer.Held::element)
                .containsExactlyElementsOf(expected);

        try (Gateway second = new Gateway("second", snapshot, "1h", false).awaitReady();
                Jedis w = second.worker()) {
            assertThat(RedisCli.send(w, "PEEK", "email:1")).isEqualTo(45L);
            assertThat(drain(w)).containsExactlyElementsOf(expected);
            assertThat(second.terminate()).as(second.output()).isZero();
        }
        assertThat(Snapshots.read(snapshot)).as("the second stop saved the now empty queue").isEmpty();
    }

    @Test
    void sigkillThenRestartServesExactlyTheLastPeriodicSnapshot() throws Exception {
        Path snapshot = dir.resolve("crash.snap");
        Set<String> sent = new LinkedHashSet<>();
        List<String> before = new ArrayList<>();
        try (Gateway first = new Gateway("crash", snapshot, "200ms", false).awaitReady();
                Jedis prod = first.producer(); Jedis w = first.worker()) {
            for (int i = 0; i < 50; i++) {
                String item = "before:" + i;
                RedisCli.send(prod, "UPDATE", item, Integer.toString(i % 7));
                sent.add(item);
                before.add(item);
            }
            awaitInfo(w, "received", 50);
            // the periodic writer has saved every one of them
            RedisCli.await(() -> snapshotHolds(snapshot, before), "a periodic snapshot holding the first 50 items");
            // more updates, then SIGKILL right away: these may or may not have reached a snapshot
            for (int i = 0; i < 50; i++) {
                String item = "after:" + i;
                RedisCli.send(prod, "UPDATE", item, Integer.toString(100 + i));
                sent.add(item);
            }
            first.kill();
        }
        // the file is whole (temp file + rename): the last snapshot written before the kill
        List<String> lastSnapshot = Snapshots.read(snapshot).stream().map(PriorityBuffer.Held::element).toList();
        assertThat(lastSnapshot).containsAll(before);
        assertThat(sent).containsAll(lastSnapshot);

        try (Gateway second = new Gateway("restart", snapshot, "200ms", false).awaitReady();
                Jedis w = second.worker()) {
            List<String> served = drain(w);
            assertThat(served).as("every item snapshotted before the kill, in snapshot order, nothing invented")
                    .containsExactlyElementsOf(lastSnapshot);
            assertThat(second.terminate()).as(second.output()).isZero();
        }
    }

    @Test
    void aCorruptSnapshotFailsTheRunUnlessStartingEmptyIsAllowed() throws Exception {
        Path snapshot = dir.resolve("bad.snap");
        Files.writeString(snapshot, "not a snapshot at all");

        try (Gateway strict = new Gateway("strict", snapshot, "1h", false)) {
            assertThat(strict.process.waitFor(START_SECONDS, TimeUnit.SECONDS)).as("the run ends by itself").isTrue();
            String output = strict.output();
            assertThat(strict.process.exitValue()).as(output).isNotZero();
            assertThat(output).contains("snapshot " + snapshot + " is corrupt")
                    .contains("startEmptyOnCorruptSnapshot: true");
        }
        assertThat(Files.readString(snapshot)).as("the corrupt file is left untouched").isEqualTo("not a snapshot at all");

        try (Gateway lenient = new Gateway("lenient", snapshot, "1h", true).awaitReady(); Jedis w = lenient.worker()) {
            assertThat(RedisCli.send(w, "NEXT")).isNull();
            try (Jedis prod = lenient.producer()) {
                RedisCli.send(prod, "UPDATE", "fresh", "1");
            }
            awaitInfo(w, "received", 1);
            assertThat(lenient.terminate()).as(lenient.output()).isZero();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("bad.snap.corrupt-"));
        }
        assertThat(Snapshots.read(snapshot)).extracting(PriorityBuffer.Held::element).containsExactly("fresh");
    }

    /** NEXT until nil (bounded: at most 10,000 items). */
    private static List<String> drain(Jedis w) {
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Object item = RedisCli.send(w, "NEXT");
            if (item == null) {
                return served;
            }
            served.add((String) item);
        }
        throw new AssertionError("NEXT never answered nil");
    }

    private static void awaitInfo(Jedis w, String field, long value) throws InterruptedException {
        RedisCli.await(() -> ((String) RedisCli.send(w, "INFO")).contains("\r\n" + field + ":" + value + "\r\n"),
                field + ":" + value + " in INFO");
    }

    private static boolean snapshotHolds(Path file, List<String> items) {
        try {
            return Snapshots.read(file).stream().map(PriorityBuffer.Held::element).toList().containsAll(items);
        } catch (Exception notYetWritten) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
