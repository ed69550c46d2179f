package io.sluice.transport.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.overflow.PriorityBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import redis.clients.jedis.Jedis;

/**
 * Snapshots of the {@code priority-queue} sink: a stop and an in-process restart serve the same items
 * in the same order; {@code SNAPSHOT} and the periodic writer produce loadable files; a corrupt file
 * fails the start with a clear reason unless the start-empty flag is set. (The same round trip through
 * a real {@code sluice run} process with SIGTERM is the gateway's test.)
 */
class SnapshotRoundTripTest {

    @TempDir
    Path dir;

    private PriorityQueueSink.Builder sink(Path file) {
        return PriorityQueueSink.builder().snapshot(file).snapshotInterval(Duration.ofHours(1));
    }

    @Test
    void aStopAndRestartServesTheSameItemsInTheSameOrder() throws Exception {
        Path file = dir.resolve("queue.snap");
        try (PriorityQueueSinkTest.Running first = new PriorityQueueSinkTest.Running(sink(file));
                Jedis prod = first.producer()) {
            // ties (c, d at 3) keep their arrival order; a rises to 15; unicode survives
            for (String[] u : new String[][] {{"a", "5"}, {"b", "10"}, {"c", "3"}, {"d", "3"}, {"a", "10"},
                    {"é-ü", "-1"}}) {
                RedisCli.send(prod, "UPDATE", u[0], u[1]);
            }
            first.awaitInfo("received", 6);
        }
        assertThat(Snapshots.read(file)).extracting(PriorityBuffer.Held::element)
                .containsExactly("a", "b", "c", "d", "é-ü");

        try (PriorityQueueSinkTest.Running second = new PriorityQueueSinkTest.Running(sink(file));
                Jedis w = second.worker()) {
            assertThat(RedisCli.send(w, "PEEK", "a")).isEqualTo(15L);
            assertThat(Stream.generate(() -> RedisCli.send(w, "NEXT")).limit(6).toList())
                    .containsExactly("a", "b", "c", "d", "é-ü", null);
        }
    }

    @Test
    void snapshotCommandWritesTheCurrentBacklog() throws Exception {
        Path file = dir.resolve("cmd.snap");
        try (PriorityQueueSinkTest.Running r = new PriorityQueueSinkTest.Running(sink(file));
                Jedis prod = r.producer(); Jedis w = r.worker()) {
            RedisCli.send(prod, "UPDATE", "x", "1");
            RedisCli.send(prod, "UPDATE", "y", "2");
            r.awaitInfo("received", 2);
            assertThat(RedisCli.send(w, "SNAPSHOT")).isEqualTo("OK");
            assertThat(Snapshots.read(file)).extracting(PriorityBuffer.Held::element).containsExactly("y", "x");
            assertThat(Snapshots.read(file)).extracting(PriorityBuffer.Held::priority).containsExactly(2L, 1L);
            assertThat(PriorityQueueSinkTest.info(w)).contains("written:1\r\n");
            assertThat(Files.exists(dir.resolve("cmd.snap.tmp"))).isFalse();
        }
    }

    @Test
    void thePeriodicSnapshotFollowsUpdates() throws Exception {
        Path file = dir.resolve("periodic.snap");
        try (PriorityQueueSinkTest.Running r = new PriorityQueueSinkTest.Running(
                PriorityQueueSink.builder().snapshot(file).snapshotInterval(Duration.ofMillis(100)));
                Jedis prod = r.producer()) {
            RedisCli.send(prod, "UPDATE", "tick", "4");
            RedisCli.await(() -> {
                try {
                    return Snapshots.read(file).stream().anyMatch(h -> h.element().equals("tick"));
                } catch (Exception notYet) {
                    return false;
                }
            }, "a periodic snapshot holding 'tick'");
        }
    }

    @Test
    void aCorruptSnapshotFailsTheStartWithTheReason() throws Exception {
        Path file = dir.resolve("bad.snap");
        Snapshots.write(file, List.of(new PriorityBuffer.Held<>("a", 1, "a"), new PriorityBuffer.Held<>("b", 2, "b")));
        byte[] bytes = Files.readAllBytes(file);
        bytes[14] ^= 0x01;
        Files.write(file, bytes);

        PriorityQueueSink strict = sink(file).build();
        assertThatThrownBy(() -> strict.write(Flux.never()).block(Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot " + file + " is corrupt: CRC32C mismatch")
                .hasMessageContaining("startEmptyOnCorruptSnapshot: true");
        assertThat(file).exists();

        Files.writeString(file, "not a snapshot at all");
        assertThatThrownBy(() -> strict.write(Flux.never()).block(Duration.ofSeconds(10)))
                .hasMessageContaining("bad magic");
    }

    @Test
    void theFlagStartsEmptyAndKeepsTheCorruptFileAside() throws Exception {
        Path file = dir.resolve("bad.snap");
        Files.writeString(file, "SLPQ garbage garbage");
        try (PriorityQueueSinkTest.Running r = new PriorityQueueSinkTest.Running(
                sink(file).startEmptyOnCorruptSnapshot(true)); Jedis w = r.worker()) {
            assertThat(RedisCli.send(w, "NEXT")).isNull();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("bad.snap.corrupt-"));
            }
        }
    }

    @Test
    void truncatedAndImpossibleFilesAreCorrupt() throws Exception {
        Path file = dir.resolve("t.snap");
        Snapshots.write(file, List.of(new PriorityBuffer.Held<>("abc", 1, "abc")));
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 3));
        assertThatThrownBy(() -> Snapshots.read(file)).isInstanceOf(Snapshots.CorruptSnapshotException.class);
        Files.write(file, java.util.Arrays.copyOf(whole, 5));
        assertThatThrownBy(() -> Snapshots.read(file)).hasMessageContaining("too short");
        assertThat(Snapshots.read(dir.resolve("missing.snap"))).isEmpty();
    }
}
