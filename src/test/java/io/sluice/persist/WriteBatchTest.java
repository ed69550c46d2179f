package io.sluice.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WriteBatch#frameInPlace} writes, byte for byte, what encoding then framing a record writes. */
class WriteBatchTest {

    @TempDir
    Path dir;

    @Test
    void framingInPlaceWritesTheSameBytesAsEncodingThenFraming() throws IOException {
        NioFs fs = new NioFs(dir);
        long base = 4711;
        Segment general = Segment.create(fs, base, Format.DEFAULT_BLOCK);
        WriteBatch a = new WriteBatch(-1);
        Random rnd = new Random(3);
        int inPlace = 0;
        for (long offset = base; offset < base + 200; offset++) {
            byte[] payload = new byte[rnd.nextInt(300)];
            rnd.nextBytes(payload);
            Message m = Message.builder().payload(payload).timestamp(1_700_000_000_000L + offset).sequence(offset * 7).build();
            int size = WriteBatch.plainRecordSize(m);
            assertThat(size).isEqualTo(RecordCodec.encode(offset, 99, m).remaining());
            a.add(general, offset, 99, RecordCodec.encode(offset, 99, m), general.framedSize(general.framed, size));
        }
        a.write(general, base + 199);
        Segment direct = Segment.create(new NioFs(Files.createDirectory(dir.resolve("b"))), base, Format.DEFAULT_BLOCK);
        WriteBatch b = new WriteBatch(-1);
        rnd = new Random(3);
        for (long offset = base; offset < base + 200; offset++) {
            byte[] payload = new byte[rnd.nextInt(300)];
            rnd.nextBytes(payload);
            Message m = Message.builder().payload(payload).timestamp(1_700_000_000_000L + offset).sequence(offset * 7).build();
            int size = WriteBatch.plainRecordSize(m);
            if (direct.framedSize(direct.framed, size) == Format.FRAGMENT_HEADER + size) {
                b.frameInPlace(direct, offset, 99, m, size);
                inPlace++;
            } else {
                b.add(direct, offset, 99, RecordCodec.encode(offset, 99, m), direct.framedSize(direct.framed, size));
            }
        }
        b.write(direct, base + 199);
        general.close();
        direct.close();
        assertThat(inPlace).isGreaterThan(190); // nearly all fit their block whole
        assertThat(Files.readAllBytes(dir.resolve("b").resolve(Format.segmentName(base))))
                .isEqualTo(Files.readAllBytes(dir.resolve(Format.segmentName(base))));
        assertThat(direct.records).isEqualTo(200);
        assertThat(direct.framed).isEqualTo(general.framed);
    }

    @Test
    void messagesWithKeyOrHeadersAreNotFramedInPlace() {
        assertThat(WriteBatch.plainRecordSize(Message.builder().payload(new byte[5]).key("k").build())).isEqualTo(-1);
        assertThat(WriteBatch.plainRecordSize(Message.builder().payload(new byte[5]).header("h", "v").build())).isEqualTo(-1);
        assertThat(WriteBatch.plainRecordSize(Message.of(new byte[5]))).isEqualTo(RecordCodec.FIXED + 5);
    }
}
