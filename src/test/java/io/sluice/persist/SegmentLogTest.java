package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14/19 unit tests of the segment log on real files (and on {@link ModelFs} where damage is injected per byte). */
class SegmentLogTest {

    @TempDir
    Path dir;

    private List<String> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void rollsSegmentsAndReadsEverythingInOrderAcrossThem() throws IOException {
        List<String> texts = Logs.texts("m", 60, 90);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(256, 1024, 1 << 20, Fsync.ALWAYS), new LogStats())) {
            assertThat(Logs.append(log, texts)).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, 60).boxed().toList());
            assertThat(segmentFiles()).hasSizeGreaterThan(4);
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(texts);
            assertThat(log.durableOffset()).isEqualTo(59);
        }
    }

    /**
     * The checkpoint's file is written and forced without the log's lock: appends and a group commit
     * go on while it is being written (before, both waited for its two forces), and the segments it
     * acknowledges are deleted only once it is durable.
     */
    @Test
    void appendsAndGroupCommitsGoOnWhileACheckpointIsBeingWritten() throws Exception {
        FaultyFs fs = new FaultyFs(dir);
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (SegmentLog log = SegmentLog.open(fs, Logs.config(256, 1024, 1 << 20, Fsync.every(java.time.Duration.ofSeconds(1))),
                new LogStats())) {
            Logs.append(log, Logs.texts("m", 60, 90));
            log.flush();
            int before = segmentFiles().size();
            log.ack(29);
            fs.holdRenames(); // the checkpoint stops between its force and its rename
            java.util.concurrent.Future<?> checkpoint;
            try {
                checkpoint = other.submit(() -> {
                    log.checkpoint();
                    return null;
                });
                assertThat(fs.renameEntered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                java.util.concurrent.Future<Long> append = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "appender");
                    t.setDaemon(true);
                    return t;
                }).submit(() -> {
                    long at = log.appendBuffered(Logs.msg("during"));
                    log.flush();
                    return at;
                });
                long at = append.get(20, java.util.concurrent.TimeUnit.SECONDS); // times out if the lock were held
                assertThat(at).isEqualTo(60);
                assertThat(log.durableOffset()).isEqualTo(60);
                assertThat(segmentFiles()).hasSizeGreaterThanOrEqualTo(before); // nothing deleted before it is durable
            } finally {
                fs.releaseRenames();
            }
            checkpoint.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(segmentFiles().size()).isLessThan(before);
            assertThat(Logs.readAll(log)).hasSize(31).endsWith("during");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void deletesSegmentsOnceEveryRecordInThemIsAcknowledgedAndCheckpointed() throws IOException {
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(256, 1024, 1 << 20, Fsync.ALWAYS), new LogStats())) {
            Logs.append(log, Logs.texts("m", 60, 90));
            int before = segmentFiles().size();
            long bytesBefore = log.bytes();
            log.ack(29);
            assertThat(segmentFiles()).hasSize(before); // acknowledged in memory only: nothing deleted yet
            log.checkpoint();
            int middle = segmentFiles().size();
            assertThat(middle).isLessThan(before).isGreaterThan(1);
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(Logs.texts("m", 60, 90).subList(30, 60));
            log.ack(59);
            log.checkpoint();
            assertThat(segmentFiles()).hasSize(1); // the active one, never deleted
            assertThat(log.bytes()).isLessThan(bytesBefore);
            assertThat(Logs.readAll(log)).isEmpty();
        }
    }

    @Test
    void restartDeliversExactlyTheUnacknowledgedRecords() throws IOException {
        List<String> texts = Logs.texts("m", 40, 50);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(256, 1024, 1 << 20, Fsync.NEVER), new LogStats())) {
            Logs.append(log, texts);
            log.ack(14);
        } // close checkpoints
        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(256, 1024, 1 << 20, Fsync.NEVER), stats)) {
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(texts.subList(15, 40));
            assertThat(stats.redelivered.get()).isEqualTo(25);
            assertThat(log.append(Logs.msg("after"))).isEqualTo(40);
        }
    }

    @Test
    void restartWithAnotherBlockSegmentAndCapacityReadsTheOldSegments() throws IOException {
        List<String> texts = Logs.texts("m", 150, 300);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(128, 512, 1 << 20, Fsync.ALWAYS), new LogStats())) {
            Logs.append(log, texts);
        }
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(4096, 8192, 40_000, Fsync.ALWAYS), new LogStats())) {
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(texts);
            // the old data exceeds the new, smaller capacity: appends are refused until acknowledgements free space
            assertThat(log.bytes()).isGreaterThan(40_000);
            assertThat(log.append(Logs.msg("x"))).isEqualTo(-1);
            log.ack(149);
            assertThat(log.append(Logs.msg("y"))).isEqualTo(150);
            assertThat(Logs.readAll(log)).containsExactly("y");
            assertThat(log.bytes()).isLessThanOrEqualTo(40_000);
        }
    }

    @Test
    void truncationAtEveryByteOfTheLastRecordKeepsAllCompleteRecords() throws IOException {
        // last record spans three fragments over two block boundaries
        List<String> texts = new ArrayList<>(Logs.texts("m", 5, 40));
        texts.add("L".repeat(300));
        ModelFs base = new ModelFs(new Random(1));
        long start;
        long end;
        String seg = Format.segmentName(0);
        LogConfig cfg = Logs.config(128, 4096, 1 << 20, Fsync.ALWAYS);
        try (SegmentLog log = SegmentLog.open(base, cfg, new LogStats())) {
            Logs.append(log, texts.subList(0, 5));
            start = base.content(seg).length;
            Logs.append(log, texts.subList(5, 6));
            end = base.content(seg).length;
        }
        byte[] full = base.content(seg);
        assertThat(end - start).isGreaterThan(300);
        for (long cut = start; cut < end; cut++) {
            ModelFs fs = new ModelFs(new Random(cut));
            try (SegmentLog log = SegmentLog.open(fs, cfg, new LogStats())) { // empty directory: no state
                Logs.append(log, texts.subList(0, 5));
            }
            fs.replace(seg, java.util.Arrays.copyOf(full, (int) cut));
            LogStats stats = new LogStats();
            try (SegmentLog log = SegmentLog.open(fs, cfg, stats)) {
                assertThat(Logs.readAll(log)).as("cut at %d", cut).containsExactlyElementsOf(texts.subList(0, 5));
                // a cut at a block boundary's zero padding or exactly at the record start leaves no torn bytes
                assertThat(stats.tornTails.get()).as("cut at %d", cut).isEqualTo(cut == start ? 0 : 1);
                assertThat(stats.corrupt.get()).isZero();
                assertThat(log.append(Logs.msg("next"))).isEqualTo(5); // record 5 never existed whole: its offset is free
                assertThat(fs.content(seg).length).as("torn tail truncated").isEqualTo((int) start);
            }
        }
    }

    @Test
    void truncatedRealSegmentFileIsRecoveredAtItsLastCompleteRecord() throws IOException {
        List<String> texts = Logs.texts("m", 10, 100);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(4096, 1 << 20, 4 << 20, Fsync.ALWAYS), new LogStats())) {
            Logs.append(log, texts);
        }
        Path seg = dir.resolve(Format.segmentName(0));
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 50);
        }
        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(4096, 1 << 20, 4 << 20, Fsync.ALWAYS), stats)) {
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(texts.subList(0, 9));
            assertThat(stats.tornTails.get()).isEqualTo(1);
        }
    }

    @Test
    void flippedByteInTheMiddleSkipsOnlyThatRecord() throws IOException {
        List<String> texts = Logs.texts("m", 30, 100);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(4096, 1 << 20, 4 << 20, Fsync.ALWAYS), new LogStats())) {
            Logs.append(log, texts);
        }
        Path seg = dir.resolve(Format.segmentName(0));
        byte[] bytes = Files.readAllBytes(seg);
        int at = indexOf(bytes, "m12:".getBytes()) + 20; // inside the payload of record 12
        bytes[at] ^= 0x40;
        Files.write(seg, bytes);
        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), Logs.config(4096, 1 << 20, 4 << 20, Fsync.ALWAYS), stats)) {
            List<String> expected = new ArrayList<>(texts);
            expected.remove(12);
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(expected);
            assertThat(stats.corrupt.get()).isEqualTo(1);
            assertThat(stats.tornTails.get()).isZero();
        }
    }

    @Test
    void damagedFragmentHeaderCostsAtMostTheRestOfItsBlock() throws IOException {
        List<String> texts = Logs.texts("m", 60, 100);
        LogConfig cfg = Logs.config(1024, 1 << 20, 4 << 20, Fsync.ALWAYS);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), cfg, new LogStats())) {
            Logs.append(log, texts);
        }
        Path seg = dir.resolve(Format.segmentName(0));
        long start = recordStart(seg, 20, 1024);
        byte[] bytes = Files.readAllBytes(seg);
        bytes[(int) start + 4] = (byte) 0xFF; // fragment length: implausible
        bytes[(int) start + 5] = (byte) 0xFF;
        Files.write(seg, bytes);
        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), cfg, stats)) {
            List<String> got = Logs.readAll(log);
            assertThat(got).startsWith(texts.subList(0, 20).toArray(new String[0]));
            assertThat(got).endsWith(texts.subList(30, 60).toArray(new String[0]));
            assertThat(got).doesNotContain(texts.get(20));
            assertThat(stats.corrupt.get()).isEqualTo(1);
        }
    }

    @Test
    void failedFsyncStopsAppendsAndKeepsWhatWasDurable() throws IOException {
        ModelFs fs = new ModelFs(new Random(3));
        try (SegmentLog log = SegmentLog.open(fs, Logs.config(512, 4096, 1 << 20, Fsync.ALWAYS), new LogStats())) {
            Logs.append(log, List.of("a", "b"));
            fs.failForce = true;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(Logs.msg("c")))
                    .isInstanceOf(IOException.class).hasMessageContaining("injected fsync failure");
            fs.failForce = false;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(Logs.msg("d")))
                    .as("no append is trusted after a failed fsync").hasMessageContaining("failed");
            assertThat(log.durableOffset()).isEqualTo(1);
        }
        fs.crash();
        try (SegmentLog log = SegmentLog.open(fs, Logs.config(512, 4096, 1 << 20, Fsync.ALWAYS), new LogStats())) {
            assertThat(Logs.readAll(log)).startsWith("a", "b");
        }
    }

    @Test
    void checkpointIsTheOldOrTheNewAfterACrashAtEveryStepOfItsWrite() throws IOException {
        for (int crashAt = 1; crashAt <= 8; crashAt++) {
            for (int seed = 0; seed < 20; seed++) {
                ModelFs fs = new ModelFs(new Random(seed * 31L + crashAt));
                Checkpoint.write(fs, 100, 0);
                fs.armCrash(crashAt);
                boolean crashed = false;
                try {
                    Checkpoint.write(fs, 200, 0);
                } catch (ModelFs.SimulatedCrash c) {
                    crashed = true;
                }
                if (!crashed) {
                    fs.disarm();
                }
                fs.crash();
                Checkpoint.State s = Checkpoint.read(fs);
                assertThat(s.problem()).as("crash at op %d, seed %d", crashAt, seed).isNull();
                assertThat(s.ackNext()).isIn(100L, 200L);
                if (!crashed) {
                    assertThat(s.ackNext()).as("a completed write is durable").isEqualTo(200L);
                }
            }
        }
    }

    /** Position of the record with {@code offset} in a segment file. */
    static long recordStart(Path seg, long offset, int block) throws IOException {
        NioFs fs = new NioFs(seg.getParent());
        try (Fs.FsFile f = fs.open(seg.getFileName().toString())) {
            SegmentReader r = new SegmentReader(f, Format.segmentBase(seg.getFileName().toString()), block, Format.SEGMENT_HEADER);
            for (RecordCodec.Entry e = r.next(f.size()); e != null; e = r.next(f.size())) {
                if (e.offset() == offset) {
                    return r.lastRecordStart();
                }
            }
        }
        throw new AssertionError("no record " + offset);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

}
