package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check / inspect / repair on a buffer the log left behind, clean and damaged. */
class BufferToolTest {

    private static final LogConfig CFG = Logs.config(4096, 1 << 20, 4 << 20, Fsync.ALWAYS);
    private static final List<String> TEXTS = Logs.texts("m", 30, 100);

    @TempDir
    Path dir;

    private void writeThirtyAckTen() throws IOException {
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), CFG, new LogStats())) {
            Logs.append(log, TEXTS);
            log.ack(9);
        }
    }

    @Test
    void checkAndInspectACleanBuffer() throws IOException {
        writeThirtyAckTen();
        BufferTool.Report r = BufferTool.check(dir);
        assertThat(r.clean()).isTrue();
        assertThat(r.records()).isEqualTo(30);
        assertThat(r.unacknowledged()).isEqualTo(20);
        assertThat(r.unacknowledgedBytes()).isPositive();
        assertThat(r.ackNext()).isEqualTo(10);
        List<String> lines = BufferTool.inspect(dir, 8, 3);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("offset=8 acked=yes").contains("payload=m8:");
        assertThat(lines.get(2)).startsWith("offset=10 acked=no").contains("headers={k=m10:");
    }

    @Test
    void repairQuarantinesTheCorruptRangeAndKeepsEveryReadableRecord() throws IOException {
        writeThirtyAckTen();
        Path seg = dir.resolve(Format.segmentName(0));
        long start = SegmentLogTest.recordStart(seg, 12, 4096);
        byte[] b = Files.readAllBytes(seg);
        b[(int) start + 40] ^= 0x10;
        Files.write(seg, b);

        BufferTool.Report before = BufferTool.check(dir);
        assertThat(before.clean()).isFalse();
        assertThat(before.corrupt()).hasSize(1).first().asString().startsWith(Format.segmentName(0) + " [" + start + ", ");
        assertThat(before.unacknowledged()).isEqualTo(19);

        try (SegmentLog open = SegmentLog.open(new NioFs(dir), CFG, new LogStats())) {
            assertThatThrownBy(() -> BufferTool.repair(dir)).as("refused while the log is open").isInstanceOf(IOException.class);
        }
        List<String> report = BufferTool.repair(dir);
        assertThat(report).anyMatch(l -> l.startsWith("quarantined " + Format.segmentName(0)))
                .anyMatch(l -> l.startsWith("rewrote " + Format.segmentName(0)));
        try (Stream<Path> q = Files.list(dir.resolve("quarantine"))) {
            assertThat(q.toList()).hasSize(1);
        }
        BufferTool.Report after = BufferTool.check(dir);
        assertThat(after.clean()).isTrue();
        assertThat(after.unacknowledged()).isEqualTo(19);

        LogStats stats = new LogStats();
        try (SegmentLog log = SegmentLog.open(new NioFs(dir), CFG, stats)) {
            List<String> expected = new ArrayList<>(TEXTS.subList(10, 30));
            expected.remove(TEXTS.get(12));
            assertThat(Logs.readAll(log)).containsExactlyElementsOf(expected);
            assertThat(stats.corrupt.get()).isZero();
        }
    }
}
