package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19 item 2: no state on disk stops startup, except the two refusals, each with its exact reason. */
class StartupStateTest {

    private static final LogConfig CFG = Logs.config(256, 1024, 1 << 20, Fsync.ALWAYS);
    private static final List<String> TEXTS = Logs.texts("m", 40, 90);

    @TempDir
    Path dir;

    private void writeForty(long ackUpTo) throws IOException {
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), CFG, new LogStats())) {
            Logs.append(log, TEXTS);
            if (ackUpTo >= 0) {
                log.ack(ackUpTo);
            }
        }
    }

    private List<String> reopen(LogStats stats) throws IOException {
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), CFG, stats)) {
            List<String> got = Logs.readAll(log);
            long next = log.append(Logs.msg("after"));
            assertThat(next).as("the log accepts appends after recovery").isGreaterThanOrEqualTo(0);
            return got;
        }
    }

    private Map<String, byte[]> snapshot() throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @Test
    void missingSegmentNamedByTheCheckpoint() throws IOException {
        writeForty(9);
        Checkpoint.State cp = Checkpoint.read(new NioFs(dir));
        Files.delete(dir.resolve(Format.segmentName(cp.segmentBase())));
        LogStats stats = new LogStats();
        List<String> got = reopen(stats);
        assertThat(stats.issues.get(StartupIssue.MISSING_SEGMENT).get()).isEqualTo(1);
        assertThat(got).isNotEmpty().isSubsetOf(TEXTS.subList(10, 40)).contains(TEXTS.get(39));
    }

    @Test
    void checkpointAheadOfTheData() throws IOException {
        writeForty(-1);
        Checkpoint.write(new NioFs(dir), 1000, 0);
        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), CFG, stats)) {
            assertThat(stats.issues.get(StartupIssue.CHECKPOINT_AHEAD).get()).isEqualTo(1);
            assertThat(Logs.readAll(log)).isEmpty();
            assertThat(log.append(Logs.msg("new"))).as("new records never fall under the checkpoint").isEqualTo(1000);
            assertThat(Logs.readAll(log)).containsExactly("new");
        }
    }

    @Test
    void checkpointBehindTheData() throws IOException {
        writeForty(-1);
        Checkpoint.write(new NioFs(dir), 0, 0);
        Files.delete(dir.resolve(Format.segmentName(0)));
        LogStats stats = new LogStats();
        List<String> got = reopen(stats);
        assertThat(stats.issues.get(StartupIssue.CHECKPOINT_BEHIND).get()).isEqualTo(1);
        assertThat(got).isNotEmpty().endsWith(TEXTS.get(39));
    }

    @Test
    void zeroLengthAndTruncatedCheckpointDeliverEverythingAgain() throws IOException {
        for (int len : new int[] {0, 10}) {
            writeForty(22);
            byte[] cp = Files.readAllBytes(dir.resolve(Checkpoint.NAME));
            Files.write(dir.resolve(Checkpoint.NAME), java.util.Arrays.copyOf(cp, len));
            LogStats stats = new LogStats();
            List<String> got = reopen(stats);
            assertThat(stats.issues.get(StartupIssue.CORRUPT_CHECKPOINT).get()).as("length %d", len).isEqualTo(1);
            // at-least-once: everything still on disk comes again (segments below the old checkpoint were deleted)
            assertThat(got.size()).as("acknowledged records come again, length %d", len).isGreaterThan(40 - 23);
            assertThat(got).containsExactlyElementsOf(TEXTS.subList(40 - got.size(), 40));
            clear();
        }
    }

    @Test
    void zeroLengthAndTruncatedSegmentFiles() throws IOException {
        writeForty(-1);
        Files.write(dir.resolve(Format.segmentName(5000)), new byte[0]);
        Files.write(dir.resolve(Format.segmentName(6000)), new byte[10]);
        LogStats stats = new LogStats();
        List<String> got = reopen(stats);
        assertThat(stats.issues.get(StartupIssue.EMPTY_SEGMENT).get()).isEqualTo(2);
        assertThat(got).containsExactlyElementsOf(TEXTS);
        assertThat(dir.resolve(Format.segmentName(6000))).as("not deleted silently").exists();
    }

    @Test
    void corruptSegmentHeaderStillYieldsItsRecords() throws IOException {
        writeForty(-1);
        Path seg = dir.resolve(Format.segmentName(0));
        byte[] b = Files.readAllBytes(seg);
        b[20] ^= 1; // base offset field: header CRC fails
        Files.write(seg, b);
        LogStats stats = new LogStats();
        List<String> got = reopen(stats);
        assertThat(stats.issues.get(StartupIssue.CORRUPT_SEGMENT_HEADER).get()).isEqualTo(1);
        assertThat(got).containsExactlyElementsOf(TEXTS);
    }

    @Test
    void newerSegmentVersionIsRefusedWithTheExactReasonAndNothingChanges() throws IOException {
        writeForty(-1);
        Path seg = dir.resolve(Format.segmentName(0));
        byte[] b = Files.readAllBytes(seg);
        ByteBuffer.wrap(b).putShort(8, (short) 2);
        Files.write(seg, b);
        Files.write(dir.resolve(Checkpoint.TMP), new byte[3]);
        Map<String, byte[]> before = snapshot();
        assertThatThrownBy(() -> SegmentLog.open(new NioFs(dir), CFG, new LogStats()))
                .isInstanceOf(PersistentLogException.class)
                .hasMessageContaining("segment 00000000000000000000.seg has format version 2 is newer than 1")
                .hasMessageContaining("refusing to start");
        Map<String, byte[]> after = snapshot();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((k, v) -> assertThat(after.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void newerCheckpointVersionIsRefused() throws IOException {
        writeForty(3);
        Path cp = dir.resolve(Checkpoint.NAME);
        byte[] b = Files.readAllBytes(cp);
        ByteBuffer.wrap(b).putInt(4, 7);
        Files.write(cp, b);
        assertThatThrownBy(() -> SegmentLog.open(new NioFs(dir), CFG, new LogStats()))
                .isInstanceOf(PersistentLogException.class)
                .hasMessageContaining("checkpoint has format version 7, this Sluice reads up to 1");
    }

    @Test
    void unrelatedFileIsReportedAndLeftAlone() throws IOException {
        writeForty(-1);
        Files.writeString(dir.resolve("notes.txt"), "mine");
        LogStats stats = new LogStats();
        assertThat(reopen(stats)).containsExactlyElementsOf(TEXTS);
        assertThat(stats.issues.get(StartupIssue.UNRELATED_FILE).get()).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void staleCheckpointTempFileIsRemoved() throws IOException {
        writeForty(9);
        Files.write(dir.resolve(Checkpoint.TMP), new byte[5]);
        LogStats stats = new LogStats();
        assertThat(reopen(stats)).containsExactlyElementsOf(TEXTS.subList(10, 40));
        assertThat(stats.issues.get(StartupIssue.STALE_TEMP_FILE).get()).isEqualTo(1);
        assertThat(dir.resolve(Checkpoint.TMP)).doesNotExist();
    }

    @Test
    void unwritableDirectoryIsRefused() {
        ModelFs fs = new ModelFs(new Random(1));
        fs.readOnly = true;
        assertThatThrownBy(() -> SegmentLog.open(fs, CFG, new LogStats()))
                .isInstanceOf(PersistentLogException.class)
                .hasMessageContaining("cannot take the directory lock")
                .hasMessageContaining("read-only");
    }

    @Test
    void pathThatIsAFileIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        assertThatThrownBy(() -> new PersistentBuilder(file).build())
                .isInstanceOf(PersistentLogException.class)
                .hasMessageContaining("refusing to start");
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() throws IOException {
        try (SegmentLog first = SegmentLog.open(new NioFs(dir), CFG, new LogStats())) {
            assertThatThrownBy(() -> SegmentLog.open(new NioFs(dir), CFG, new LogStats()))
                    .isInstanceOf(PersistentLogException.class)
                    .hasMessageContaining("already has");
            assertThat(first.append(Logs.msg("still works"))).isZero();
        }
    }

    private void clear() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }
}
