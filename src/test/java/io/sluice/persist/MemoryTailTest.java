package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a reader that keeps up is served from the log's {@link MemoryTail} (no read back, no
 * wait for the batch to be written); one that fell behind reads the file and continues exactly
 * after the last record it took from memory; after a failed write only what was written is served.
 */
class MemoryTailTest {

    @TempDir
    Path dir;

    private static List<String> drain(LogCursor c) throws IOException {
        List<String> out = new ArrayList<>();
        for (RecordCodec.Entry e = c.next(); e != null; e = c.next()) {
            out.add(e.message().payloadUtf8());
        }
        return out;
    }

    @Test
    void readerThatKeepsUpGetsRecordsBeforeTheirBatchIsWritten() throws IOException {
        List<String> texts = Logs.texts("m", 10, 50);
        LogConfig cfg = Logs.config(4096, 1 << 20, 64 << 20, Fsync.every(Duration.ofSeconds(30)));
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), cfg, new LogStats());
             LogCursor c = log.cursor()) {
            for (String t : texts) {
                log.appendBuffered(Logs.msg(t));
            }
            assertThat(log.writtenOffset()).as("nothing written yet").isEqualTo(-1);
            assertThat(Files.size(dir.resolve(Format.segmentName(0)))).isEqualTo(Format.SEGMENT_HEADER);
            assertThat(drain(c)).containsExactlyElementsOf(texts);
            log.publish();
            assertThat(log.writtenOffset()).isEqualTo(9);
            assertThat(c.next()).as("written records are not delivered twice").isNull();
            log.appendBuffered(Logs.msg("late"));
            assertThat(drain(c)).containsExactly("late");
        }
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), cfg, new LogStats())) {
            assertThat(Logs.readAll(log)).as("what was served from memory is on disk after close")
                    .containsExactlyElementsOf(concat(texts, List.of("late")));
        }
    }

    @Test
    void readerThatFellBehindReadsTheFileAndGoesOnAfterItsLastRecordFromMemory() throws IOException {
        int behind = MemoryTail.CAPACITY + 700;
        List<String> texts = Logs.texts("r", 30 + behind, 40);
        // small blocks and segments: the records the reader misses span many segments and block boundaries
        LogConfig cfg = Logs.config(512, 16 << 10, 64 << 20, Fsync.NEVER);
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), cfg, new LogStats());
             LogCursor c = log.cursor()) {
            Logs.append(log, texts.subList(0, 30));
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 17; i++) {
                got.add(c.next().message().payloadUtf8()); // from memory
            }
            Logs.append(log, texts.subList(30, texts.size())); // evicts records 17.. from memory
            assertThat(log.fromMemory(17)).as("evicted").isNull();
            got.addAll(drain(c));
            assertThat(got).containsExactlyElementsOf(texts);
        }
    }

    @Test
    void afterAFailedWriteOnlyWrittenRecordsAreServed() throws IOException {
        FaultyFs fs = new FaultyFs(dir);
        LogConfig cfg = Logs.config(4096, 1 << 20, 64 << 20, Fsync.every(Duration.ofSeconds(30)));
        try (SegmentLog log = SegmentLog.open(fs, cfg, new LogStats());
             LogCursor c = log.cursor()) {
            Logs.append(log, List.of("a", "b", "c"));
            log.appendBuffered(Logs.msg("d"));
            log.appendBuffered(Logs.msg("e"));
            fs.failWrites = true;
            assertThatThrownBy(log::publish).isInstanceOf(IOException.class).hasMessageContaining(FaultyFs.ENOSPC);
            assertThat(drain(c)).as("d and e never reached the file").containsExactly("a", "b", "c");
            fs.failWrites = false;
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
