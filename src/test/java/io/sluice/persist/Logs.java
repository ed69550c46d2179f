package io.sluice.persist;

import io.sluice.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helpers around {@link SegmentLog}. */
final class Logs {

    private Logs() {
    }

    static LogConfig config(int block, long segment, long max, Fsync fsync) {
        return new LogConfig(segment, block, max, fsync, 1 << 20);
    }

    static Message msg(String text) {
        return Message.builder().payload(text.getBytes(StandardCharsets.UTF_8)).header("k", text).build();
    }

    /** Appends {@code texts}, returns their offsets. */
    static List<Long> append(SegmentLog log, List<String> texts) throws IOException {
        List<Long> offsets = new ArrayList<>();
        for (String t : texts) {
            offsets.add(log.append(msg(t)));
        }
        return offsets;
    }

    /** Every record a fresh cursor delivers, as payload text. */
    static List<String> readAll(SegmentLog log) throws IOException {
        List<String> out = new ArrayList<>();
        try (LogCursor c = log.cursor()) {
            for (RecordCodec.Entry e = c.next(); e != null; e = c.next()) {
                c.delivered(e);
                out.add(e.message().payloadUtf8());
            }
        }
        return out;
    }

    static List<String> texts(String prefix, int n, int size) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder(prefix).append(i).append(':');
            while (b.length() < size) {
                b.append((char) ('a' + (i + b.length()) % 26));
            }
            out.add(b.toString());
        }
        return out;
    }
}
